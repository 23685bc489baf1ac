#!/usr/bin/env bash
# The README's first command (until the lab lands): starts a server on a throwaway database and
# expresses the article's data centre through the Neutron API (networks, router, floating IP, rules).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run --silent build
state=$(mktemp -d /tmp/quark-demo.XXXXXX)
port=${QUARK_DEMO_PORT:-19696}
# noauth: the demo plays two tenants with X-Project-Id headers (see docs/identity.md for tokens).
./bin/quark server --db "$state/quark.db" --port "$port" --auth noauth --log-level warn &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$state"' EXIT
node scripts/demo-api.mjs "http://127.0.0.1:$port"
