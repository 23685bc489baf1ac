#!/usr/bin/env bash
# Builds the Debian package of Quark from this clone: quark_<version>_<arch>.deb with
#   /usr/bin/quark                      the command (runs the bundled Node.js)
#   /usr/lib/quark/                     the built code, its npm dependencies and Node.js itself
#   /lib/systemd/system/quark-server.service, quark-agent.service
#   /etc/quark/*.example                commented settings to copy (server.yaml, agent.yaml, agent.env)
#   /etc/modules-load.d/quark.conf      br_netfilter, for the agent's firewall
#   /usr/share/doc/quark/               README and docs/
# Debian 12's nodejs (18) is too old, so the package carries the Node.js that builds it (22 or
# newer; scripts/install-deps.sh installs 24), with better-sqlite3 compiled for it.
#
#   bash packaging/deb/build.sh [--out DIR] [--compress xz|gzip|none]
#
# The package goes to DIR (default: the current directory); QUARK_DEB_COMPRESS sets the
# compression too (xz by default: smallest; none: fastest, for tests). Needs dpkg-deb and the
# repository's node_modules (npm ci); no network.
set -euo pipefail
out=$PWD
compress=${QUARK_DEB_COMPRESS:-xz}
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --compress) compress=$2; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--compress xz|gzip|none]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../.."

node_bin=$(readlink -f "$(command -v node)")
major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "quark: the package bundles the Node.js that builds it, and $("$node_bin" --version) is older than 22 (scripts/install-deps.sh installs 24)" >&2
  exit 1
fi
[ -d node_modules ] || { echo "quark: no node_modules: run npm ci (or scripts/install-deps.sh) first" >&2; exit 1; }
version=$("$node_bin" -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
deb="$out/quark_${version}_${arch}.deb"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/quark"
mkdir -p "$lib/dist" "$lib/node/bin" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/quark" \
  "$root/etc/modules-load.d" "$root/usr/share/doc/quark" "$root/DEBIAN"

npm run --silent build
# The code, without tests, test helpers and source maps.
tar -C dist --exclude='*.test.js' --exclude='*.map' --exclude='testing' --exclude='.tsbuildinfo' -cf - . | tar -C "$lib/dist" -xf -
cp -r bin scenarios package.json package-lock.json "$lib/"
# The production dependencies, as built for this node (better-sqlite3's addon), without its sources.
cp -a node_modules "$lib/"
(cd "$lib" && npm prune --omit=dev --no-audit --no-fund --silent)
sqlite="$lib/node_modules/better-sqlite3"
find "$sqlite/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$sqlite/build/Release" -mindepth 1 ! -name '*.node' -exec rm -rf {} +
rm -rf "$sqlite/deps" "$sqlite/src"
cp "$node_bin" "$lib/node/bin/node"
node_home=$(dirname "$(dirname "$node_bin")")
[ -f "$node_home/LICENSE" ] && cp "$node_home/LICENSE" "$lib/node/LICENSE"

install -m 0755 packaging/deb/quark "$root/usr/bin/quark"
install -m 0644 packaging/systemd/quark-server.service packaging/systemd/quark-agent.service "$root/lib/systemd/system/"
for f in packaging/etc/*.example; do install -m 0644 "$f" "$root/etc/quark/"; done
install -m 0644 packaging/deb/modules-load.conf "$root/etc/modules-load.d/quark.conf"
cp -r README.md docs "$root/usr/share/doc/quark/"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
(cd "$root" && find etc -type f | sed 's#^#/#' | sort) > "$root/DEBIAN/conffiles"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: quark
Version: $version
Architecture: $arch
Maintainer: Quark developers <quark@localhost>
Installed-Size: $size
Depends: openvswitch-switch, iproute2, iptables, ipset, dnsmasq-base, conntrack, radvd, haproxy, keepalived, iputils-arping, iputils-ping, ethtool, procps, kmod, adduser
Recommends: python3-openstackclient, tcpdump
Suggests: postgresql, busybox
Section: net
Priority: optional
Description: software-defined networking for Linux hosts (Neutron API on Open vSwitch)
 Quark gives projects isolated virtual networks with DHCP, routers, SNAT, floating IPs and
 security groups, and makes them real with Open vSwitch, GRE/VXLAN tunnels, network
 namespaces, iptables/ipset and dnsmasq. It speaks the OpenStack Neutron v2.0 API and the
 part of Keystone v3 that clients need. quark-server.service runs the API on the controller,
 quark-agent.service the agent on every host; docs/deploy.md says how.
CONTROL

dpkg-deb --root-owner-group -Z"$compress" --build "$root" "$deb" >/dev/null
echo "$deb"
