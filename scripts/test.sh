#!/usr/bin/env bash
# The test command of the README and of CI: installs what it needs, builds, checks style and
# layers, then runs every test tier. Tiers that need root (host, lab, client) run when root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run --silent build
npm run --silent lint
node scripts/run-tests.mjs unit
if [ "$(id -u)" -eq 0 ]; then
  node scripts/run-tests.mjs host
  node scripts/run-tests.mjs client
  node scripts/run-tests.mjs lab
else
  echo "not root: skipping the host, client and lab tiers (they need network namespaces)"
fi
