#!/usr/bin/env bash
# Neutron's own API test suites (tempest.api.network and neutron_tempest_plugin.api, Debian 12's
# tempest 33 + neutron-tempest-plugin 2.0) against a Quark server of this checkout, and the
# comparison with the results of a real Neutron 21 + Keystone 22 (conformance/reference-results.tsv).
#
#   scripts/conformance.sh [--ci | --regex REGEX] [--agents yes|no|auto] [--workdir DIR]
#                          [--concurrency N] [--extensions all|LIST] [--no-build] [--keep]
#
#   (default)   the full suites, 967 tests (about half an hour on 2 cores)
#   --ci        the fast subset of conformance/ci-subset.txt (what scripts/test.sh runs)
#   --regex R   the tests whose id matches R
#   --agents    yes: the server runs in a lab (`quark lab up conformance/lab.yaml`) whose network
#               node runs real l2, dhcp and l3 agents (needs root and Open vSwitch); no: a bare
#               server; auto (default): yes when root and OVS are there
#   --workdir   where everything goes (default: a new /tmp/quark-conformance.XXXXXX)
#   --keep      leave the server (or lab) running at the end
#
# Prints "N passed, N failed, N skipped", then per module Quark against the reference, and
# writes in the work directory: results.tsv (one line per test), comparison.txt (the table and
# every test that passed on Neutron but not on Quark), failures.txt (tracebacks), skips.txt,
# logs/tempest.log (every HTTP request and response), server.log.
# Exit status: 0 when every test of the run that passed on the reference passed here or is a
# known gap (conformance/known-gaps.txt), 1 when another one did not, 2 when the run could not
# start. `report.py gaps` writes the known-gaps file of a run.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/conformance"

within="" agents=auto workdir="" concurrency=2 extensions=all build=1 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) within="$(grep -v '^#' "$HERE/ci-subset.txt" | grep . | paste -sd'|')" ;;
    --regex) within="$2"; shift ;;
    --agents) agents="$2"; shift ;;
    --workdir) workdir="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --extensions) extensions="$2"; shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

bash "$ROOT/scripts/install-conformance-deps.sh" || exit 2
if [ "$build" = 1 ]; then (cd "$ROOT" && npm run --silent build) || exit 2; fi

# Quark runs on the node of the caller's PATH (Node 24 may be in /usr/local/bin, ahead of Debian's).
NODE="$(command -v node)"
# Debian's tempest runs on Debian's python; a pyenv or venv python3 earlier on the PATH would
# not have it. Nothing here may go through a proxy: every server is on the loopback.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"
unset PYTHONPATH VIRTUAL_ENV
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"


# Only the two suites' tests, narrowed by --ci or --regex (both lookaheads, so the narrowing
# expression may be anchored itself).
regex='^(?=(?:tempest\.api\.network|neutron_tempest_plugin\.api)\.)'
[ -n "$within" ] && regex="$regex(?=.*?(?:$within))"

if [ "$agents" = auto ]; then
  agents=no
  [ "$(id -u)" -eq 0 ] && command -v ovs-vswitchd >/dev/null && agents=yes
fi

WS="${workdir:-$(mktemp -d /tmp/quark-conformance.XXXXXX)}"
mkdir -p "$WS/etc" "$WS/logs" "$WS/locks"
WS="$(cd "$WS" && pwd)"
QUARK=("$NODE" "$ROOT/bin/quark")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="conf-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_pid="" lab=""

cleanup() {
  if [ "$keep" = 1 ]; then
    echo "left running: ${lab:+lab $lab (quark lab down $lab)}${server_pid:+server pid $server_pid} at http://127.0.0.1:$port"
    return
  fi
  if [ -n "$lab" ]; then "${QUARK[@]}" lab down "$lab" >> "$WS/lab.log" 2>&1; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "conformance: work directory $WS"
if [ "$agents" = yes ]; then
  # A lab whose network node runs l2, dhcp and l3 agents on its own Open vSwitch: the agent
  # management and scheduler tests then see real agents, and routers and networks really land.
  lab="qcf$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  if ! "${QUARK[@]}" lab up "$HERE/lab.yaml" --name "$lab" --port "$port" > "$WS/lab.log" 2>&1; then
    cat "$WS/lab.log"; echo "conformance: the lab did not come up"; exit 2
  fi
  labdir="/run/quark/lab/$lab"
  ln -sf "$labdir/server.log" "$WS/server.log"
  password=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["extra"]["controller"]["admin"]["password"])' "$labdir/lab.json") || exit 2
  echo "conformance: lab $lab up (server on 127.0.0.1:$port, $(grep -o 'agents: [0-9]* alive' "$WS/lab.log"))"
else
  "${QUARK[@]}" server --host 127.0.0.1 --port "$port" --db "$WS/quark.db" --auth keystone --log-level warn \
    > "$WS/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$WS/server.log"; echo "conformance: the server died"; exit 2; }
    sleep 0.1
  done
  "${QUARK[@]}" admin bootstrap --db "$WS/quark.db" --password "$password" --url "http://127.0.0.1:$port" \
    --clouds-yaml "$WS/clouds.yaml" --cloud conformance > "$WS/bootstrap.log" 2>&1 || { cat "$WS/bootstrap.log"; exit 2; }
  echo "conformance: server pid $server_pid on 127.0.0.1:$port, no agents"
fi
identity="http://127.0.0.1:$port/identity/v3"

# The external network for floating IP and gateway tests: the lab's own `public`, or one made here.
public_id=$(/usr/bin/python3 "$HERE/report.py" public-network "$identity" admin "$password" admin public 172.24.4.0/24) || exit 2

sed -e "s|@WORKDIR@|$WS|g" -e "s|@IDENTITY_URL@|$identity|g" -e "s|@ADMIN_USER@|admin|g" \
  -e "s|@ADMIN_PASSWORD@|$password|g" -e "s|@ADMIN_PROJECT@|admin|g" -e "s|@API_EXTENSIONS@|$extensions|g" \
  -e "s|@PUBLIC_NETWORK_ID@|$public_id|g" -e "s|@PUBLIC_NETWORK_NAME@|public|g" \
  -e "s|@TYPE_DRIVERS@||g" -e "s|@PROVIDER_VLANS@||g" "$HERE/tempest.conf.in" > "$WS/etc/tempest.conf"
tempest_top=/usr/lib/python3/dist-packages/tempest
printf '[DEFAULT]\ntest_path=%s/test_discover\ntop_dir=%s\ngroup_regex=([^\\.]*\\.)*\n' "$tempest_top" "$tempest_top" \
  > "$WS/.stestr.conf"
cd "$WS" || exit 2
stestr init >/dev/null 2>&1
# tempest falls back to /etc/tempest/tempest.conf when it cannot find its file; never let it.
export TEMPEST_CONFIG_DIR="$WS/etc" TEMPEST_CONFIG=tempest.conf

tempest run --config-file "$WS/etc/tempest.conf" --list-tests --regex "$regex" 2> "$WS/list.err" \
  | grep -E '^[A-Za-z_]' | grep -v '^No ' > "$WS/tests.txt"
if [ ! -s "$WS/tests.txt" ]; then cat "$WS/list.err"; echo "conformance: no test matches"; exit 2; fi
echo "conformance: $(wc -l < "$WS/tests.txt") tests, concurrency $concurrency, api_extensions=$extensions"
started=$(date +%s)
timeout --kill-after=60 7200 tempest run --config-file "$WS/etc/tempest.conf" --regex "$regex" \
  --concurrency "$concurrency" > "$WS/tempest-run.log" 2>&1
rc=$?
echo "conformance: tempest ran for $(( $(date +%s) - started )) s (exit $rc)"
stestr last --subunit > "$WS/results.subunit" 2>/dev/null
if [ $rc -eq 124 ] || [ ! -s "$WS/results.subunit" ]; then
  # A run cut short leaves its stream (subunit v1) in .stestr/tmp*.
  partial=$(ls -t "$WS"/.stestr/tmp* 2>/dev/null | head -1)
  [ -n "$partial" ] && subunit-1to2 < "$partial" > "$WS/results.subunit"
fi
/usr/bin/python3 "$HERE/report.py" summarize "$WS/results.subunit" "$WS/tests.txt" "$WS" || exit 2
/usr/bin/python3 "$HERE/report.py" compare "$WS/results.tsv" "$HERE/reference-results.tsv" "$WS/comparison.txt" \
  "$HERE/known-gaps.txt"
status=$?
echo "conformance: $(cat "$WS/summary.txt") (results in $WS)"
exit $status
