#!/bin/bash
# Stops exactly the processes start.sh started (by pid, never by name):
#   neutron-server parent (+ the worker pids it forked, recorded by start.sh) and mariadbd.
# Usage: ./stop.sh [--wipe]   (--wipe also deletes /tmp/quark-bench-neutron incl. the database)
set -uo pipefail
RUN=/tmp/quark-bench-neutron

cmd_of() { tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline"; }

stop_pid() { # stop_pid PID PATTERN NAME
  local pid=$1 pat=$2 name=$3 i
  if [ -n "$pid" ] && cmd_of "$pid" | grep -q -- "$pat"; then
    echo "stopping $name pid $pid"
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 30); do
      cmd_of "$pid" | grep -q -- "$pat" || return 0
      sleep 1
    done
    echo "$name pid $pid still alive after 30s, sending KILL"
    kill -KILL "$pid" 2>/dev/null
  fi
}

# neutron-server: remember its children (current + recorded at start), stop parent, then leftovers
if [ -s "$RUN/neutron-server.pid" ]; then
  ppid=$(cat "$RUN/neutron-server.pid")
  kids=$( { cat "$RUN/neutron-server.children" 2>/dev/null; pgrep -P "$ppid" 2>/dev/null; } | sort -u)
  stop_pid "$ppid" neutron-server neutron-server
  sleep 1
  for k in $kids; do stop_pid "$k" neutron-server "neutron-server worker"; done
  rm -f "$RUN/neutron-server.pid" "$RUN/neutron-server.children"
fi

if [ -s "$RUN/mariadb.pid" ]; then
  stop_pid "$(cat "$RUN/mariadb.pid")" mariadbd mariadbd
  rm -f "$RUN/mariadb.pid"
fi

if [ "${1:-}" = "--wipe" ]; then
  echo "wiping $RUN"; rm -rf "$RUN"
fi
