#!/usr/bin/env bash
# The README's first command: the article's data centre on this machine. It installs what it
# needs, builds Quark, and runs `quark lab up scenarios/havana.yaml`: a controller (this
# machine's root namespace, running the server), a network node and a compute node (namespaces
# with their own Open vSwitch and agent), two tenants on 10.0.0.0/24, DHCP, a router with SNAT,
# a floating IP and security groups, checked with real traffic. The lab stays up for you to
# explore; `./bin/quark lab down quark` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != Linux ]; then
  echo "quark: the demo needs Linux: it builds network namespaces, veth pairs and Open vSwitch bridges." >&2
  echo "       On macOS or Windows, run it in a Linux VM (Debian 12) as root." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "quark: the demo needs root: it creates network namespaces, bridges and iptables rules." >&2
  echo "       Run: sudo bash scripts/demo.sh   (in a VM or container, it needs CAP_NET_ADMIN and CAP_SYS_ADMIN)" >&2
  exit 1
fi
bash scripts/install-deps.sh
npm run --silent build
# A demo left from an earlier run is replaced.
./bin/quark lab down quark --force >/dev/null 2>&1 || true
exec ./bin/quark lab up scenarios/havana.yaml --name quark
