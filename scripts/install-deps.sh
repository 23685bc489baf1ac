#!/usr/bin/env bash
# Installs what Quark needs on Debian 12: the Debian packages of DESIGN.md §8 (only those
# missing, so a second run does not touch apt) and the npm packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(openvswitch-switch dnsmasq-base dnsmasq-utils iptables ipset iproute2 conntrack iputils-ping iputils-arping
  busybox ethtool iperf3 tcpdump procps kmod postgresql python3-openstackclient python3-openstacksdk curl chromium
  radvd haproxy keepalived isc-dhcp-client ndisc6)

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
  # This is the install of the test and CI machines (and of the lab): the packages' own services
  # (openvswitch-switch, postgresql) must not start, because the tests and the lab run their own
  # OVS and PostgreSQL in private directories. A host install does the opposite: the Debian
  # package's postinst starts and enables Open vSwitch, and docs/deploy.md enables PostgreSQL
  # on a controller that uses it.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.quark
  if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.quark /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi
  rm -f /usr/sbin/policy-rc.d.quark
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js: Quark runs on the current LTS (24); 22 is the oldest it supports. Debian 12's own
# nodejs is 18, so when the node on the PATH is older, this installs Node 24 from the npm
# registry (the node-linux-<arch> package holds the official binary and its headers) into
# /usr/local/lib/quark-node and links /usr/local/bin/node to it, ahead of /usr/bin on the PATH.
NODE_WANTED=24.22.3
node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "quark: needs Node.js 22 or newer (found $(node --version 2>/dev/null || echo none)); run this script as root to install Node $NODE_WANTED" >&2
    exit 1
  fi
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "quark: no Node.js package for $(uname -m)" >&2; exit 1 ;; esac
  dest=/usr/local/lib/quark-node/node-v$NODE_WANTED
  if [ ! -x "$dest/bin/node" ]; then
    echo "installing Node.js $NODE_WANTED from the npm registry (node-linux-$arch) into $dest"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_WANTED" >/dev/null)
    mkdir -p "$dest"
    tar -xzf "$tmp"/node-linux-"$arch"-"$NODE_WANTED".tgz -C "$dest" --strip-components=1
    rm -rf "$tmp"
  fi
  ln -sf "$dest/bin/node" /usr/local/bin/node
  hash -r
  export PATH="/usr/local/bin:$PATH"
fi
# Native modules (better-sqlite3) are built against the running node's own headers: no download.
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$nodedir/include/node/node.h" ] && export npm_config_nodedir="$nodedir"

stamp=node_modules/.quark-node-version
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
  node --version > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$(node --version)" ]; then
  echo "node changed to $(node --version): rebuilding native modules"
  npm rebuild --no-audit --no-fund
  node --version > "$stamp"
fi
