#!/usr/bin/env bash
# What scripts/conformance.sh needs beyond scripts/install-deps.sh: Debian 12's tempest with
# Neutron's tempest plugin, and the openstack CLI. Installs only what is missing.
set -euo pipefail
PACKAGES=(tempest python3-tempest neutron-tempest-plugin python3-openstackclient subunit)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "conformance: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
