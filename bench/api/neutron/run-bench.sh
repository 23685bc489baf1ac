#!/bin/bash
# Runs the API workload (../workload.mjs) against the neutron-server that start.sh started and
# records its memory and CPU (neutron-server parent + forked workers, and mariadbd).
#   bench/api/neutron/run-bench.sh [extra workload.mjs args...]
# Writes: bench/results/neutron-api-<date>.json           (workload.mjs stdout, unchanged)
#         bench/results/neutron-server-stats-<date>.json  (peak RSS / PSS, CPU seconds per process)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN=/tmp/quark-bench-neutron
DATE=$(date +%F)
RESULTS="$HERE/../../results"
OUT=${OUT:-$RESULTS/neutron-api-$DATE.json}
STATS=${STATS:-$RESULTS/neutron-server-stats-$DATE.json}
SAMPLES=$RUN/mem-samples.tsv

ppid=$(cat "$RUN/neutron-server.pid")
kids=$(pgrep -P "$ppid" | tr '\n' ' ')
dbpid=$(cat "$RUN/mariadb.pid" 2>/dev/null || true)
npids="$ppid $kids"

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# WAIT_QUIET=1: wait (max 15 min) until the machine is idle (<10% busy over 5 s), since
# other jobs on this 2-core box would distort the numbers.
if [ "${WAIT_QUIET:-0}" = 1 ]; then
  for i in $(seq 1 180); do
    b0=$(busy_ticks); sleep 5; b1=$(busy_ticks)
    pct=$(( (b1 - b0) * 100 / (5 * $(getconf CLK_TCK) * $(nproc)) ))
    [ "$pct" -lt 10 ] && break
    echo "machine ${pct}% busy, waiting for quiet..." >&2
  done
fi

declare -A cpu0
for p in $npids $dbpid; do cpu0[$p]=$(cpu_ticks "$p"); done
sys0=$(busy_ticks)

# sampler: every 0.5 s, sum of VmRSS and Pss (kB) over neutron-server processes, and mariadbd RSS
(
  while true; do
    rss=0; pss=0
    for p in $npids; do
      r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      s=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
      rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0}))
    done
    db=0; [ -n "$dbpid" ] && db=$(awk '/^VmRSS:/{print $2}' "/proc/$dbpid/status" 2>/dev/null || echo 0)
    printf '%s\t%s\t%s\t%s\n' "$(date +%s.%N)" "$rss" "$pss" "${db:-0}"
    sleep 0.5
  done
) > "$SAMPLES" &
sampler=$!

t0=$(date +%s.%N)
set +e
node "$HERE/../workload.mjs" "$@" > "$OUT"
rc=$?
set -e
t1=$(date +%s.%N)
sys1=$(busy_ticks)
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true

# per-process peak RSS (VmHWM) and CPU used during the bench
{
  for p in $npids; do
    name=$(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-40)
    hwm=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status")
    rss=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status")
    printf 'neutron\t%s\t%s\t%s\t%s\t%s\n' "$p" "$name" "$hwm" "$rss" "$(( $(cpu_ticks "$p") - ${cpu0[$p]} ))"
  done
  if [ -n "$dbpid" ]; then
    printf 'mariadb\t%s\t%s\t%s\t%s\t%s\n' "$dbpid" mariadbd "$(awk '/^VmHWM:/{print $2}' "/proc/$dbpid/status")" \
      "$(awk '/^VmRSS:/{print $2}' "/proc/$dbpid/status")" "$(( $(cpu_ticks "$dbpid") - ${cpu0[$dbpid]} ))"
  fi
} > "$RUN/proc-stats.tsv"

python3 - "$RUN/proc-stats.tsv" "$SAMPLES" "$STATS" "$t0" "$t1" "$(getconf CLK_TCK)" "$((sys1 - sys0))" "$OUT" "$(nproc)" <<'EOF'
import json, sys
procs_f, samples_f, out_f, t0, t1, hz, sys_ticks, bench_f, ncpu = sys.argv[1:]
hz = int(hz); wall = float(t1) - float(t0)
try:
    client_cpu = json.load(open(bench_f)).get('client_cpu_s') or 0.0
except Exception:
    client_cpu = 0.0
procs = []
for line in open(procs_f):
    kind, pid, name, hwm, rss, ticks = line.rstrip('\n').split('\t')
    procs.append({'component': kind, 'pid': int(pid), 'cmd': name.strip(),
                  'peak_rss_mib': round(int(hwm) / 1024, 1), 'end_rss_mib': round(int(rss) / 1024, 1),
                  'cpu_s_during_bench': round(int(ticks) / hz, 2)})
rows = [l.split('\t') for l in open(samples_f) if l.strip()]
peak_rss = max((int(r[1]) for r in rows), default=0)
peak_pss = max((int(r[2]) for r in rows), default=0)
peak_db = max((int(r[3]) for r in rows), default=0)
n = [p for p in procs if p['component'] == 'neutron']
out = {
    'bench_wall_s': round(wall, 1),
    'neutron_server': {
        'processes': len(n),
        'sum_of_per_process_peak_rss_mib': round(sum(p['peak_rss_mib'] for p in n), 1),
        'peak_sampled_total_rss_mib': round(peak_rss / 1024, 1),
        'peak_sampled_total_pss_mib': round(peak_pss / 1024, 1),
        'cpu_s_during_bench': round(sum(p['cpu_s_during_bench'] for p in n), 2),
    },
    'mariadb': {'peak_sampled_rss_mib': round(peak_db / 1024, 1),
                'cpu_s_during_bench': round(sum(p['cpu_s_during_bench'] for p in procs if p['component'] == 'mariadb'), 2)},
    'machine_cpu': {
        'cores': int(ncpu),
        'busy_s': round(int(sys_ticks) / hz, 1),
        'anchor_s': round(sum(p['cpu_s_during_bench'] for p in procs), 1),
        'bench_client_s': round(client_cpu, 1),
        # CPU used by everything else on the box while the bench ran (other jobs, kernel, sampler)
        'other_s': round(int(sys_ticks) / hz - sum(p['cpu_s_during_bench'] for p in procs) - client_cpu, 1),
    },
    'per_process': procs,
    'note': 'RSS counts copy-on-write pages shared between the forked workers in every process; PSS splits them.',
}
json.dump(out, open(out_f, 'w'), indent=2)
print(json.dumps({'neutron_server': out['neutron_server'], 'machine_cpu': out['machine_cpu']}))
EOF
echo "bench rc=$rc; results: $OUT; server stats: $STATS"
exit $rc
