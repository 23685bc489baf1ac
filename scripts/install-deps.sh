#!/usr/bin/env bash
# Installs what Quark needs on Debian 12: the Debian packages of DESIGN.md §8 (only those
# missing, so a second run does not touch apt) and the npm packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(openvswitch-switch dnsmasq-base dnsmasq-utils iptables ipset iproute2 conntrack iputils-ping iputils-arping
  busybox ethtool iperf3 tcpdump procps kmod postgresql python3-openstackclient python3-openstacksdk curl)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "quark: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  # The packages' own services (openvswitch-switch, postgresql) must not start: Quark runs its own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.quark
  if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.quark /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi
  rm -f /usr/sbin/policy-rc.d.quark
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
