#!/bin/bash
# Starts the reference Neutron (Debian 12's neutron-server 21 with MariaDB) on 127.0.0.1 only,
# for the side-by-side API benchmark (bench/api/neutron/README.md).
#   bench/api/neutron/start.sh                      (EXTRA_CONF="x.conf" ./start.sh to add config overrides)
# Idempotent: already-running components (checked by pid file + /proc cmdline) are left alone.
# Logs and pid files: /tmp/quark-bench-neutron/
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN=/tmp/quark-bench-neutron
ETC="$HERE/etc"
MYCNF="$ETC/mariadb.cnf"
NCONF=(--config-file "$ETC/neutron.conf" --config-file "$ETC/plugins/ml2/ml2_conf.ini")
# optional extra oslo.config file(s) given as EXTRA_CONF="a.conf b.conf" (later files win),
# e.g. to try api_workers=2 without editing etc/neutron.conf
mkdir -p "$RUN"; printf '[DEFAULT]\napi_paste_config = %s/api-paste.ini\n' "$ETC" > "$RUN/paste.conf"
NCONF+=(--config-file "$RUN/paste.conf")
for f in ${EXTRA_CONF:-}; do NCONF+=(--config-file "$f"); done
URL="http://127.0.0.1:9696"

mkdir -p "$RUN/state" "$RUN/lock" "$RUN/mysql-run"
chown mysql:mysql "$RUN/mysql-run"   # mariadbd (user=mysql) writes socket/pid/err here

alive() { # alive PIDFILE PATTERN
  local pf=$1 pat=$2 pid
  [ -s "$pf" ] || return 1
  pid=$(cat "$pf")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$pat"
}

# ---------- MariaDB ----------
if alive "$RUN/mariadb.pid" mariadbd; then
  echo "mariadb already running (pid $(cat "$RUN/mariadb.pid"))"
else
  if [ ! -d "$RUN/mysql/mysql" ]; then
    echo "initialising MariaDB datadir $RUN/mysql"
    mkdir -p "$RUN/mysql"; chown mysql:mysql "$RUN/mysql"
    mariadb-install-db --defaults-file="$MYCNF" --user=mysql --skip-test-db \
      > "$RUN/mariadb-install.log" 2>&1
  fi
  setsid /usr/sbin/mariadbd --defaults-file="$MYCNF" >> "$RUN/mariadb.out" 2>&1 < /dev/null &
  echo $! > "$RUN/mariadb.pid"
  echo "started mariadbd pid $(cat "$RUN/mariadb.pid")"
fi
for i in $(seq 1 60); do
  mariadb-admin --defaults-file="$MYCNF" ping >/dev/null 2>&1 && break
  sleep 1
done
mariadb --defaults-file="$MYCNF" -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS neutron;
CREATE USER IF NOT EXISTS 'neutron'@'127.0.0.1' IDENTIFIED BY 'neutron';
GRANT ALL PRIVILEGES ON neutron.* TO 'neutron'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

# ---------- Neutron ----------
if alive "$RUN/neutron-server.pid" neutron-server; then
  echo "neutron-server already running (pid $(cat "$RUN/neutron-server.pid"))"
else
  echo "neutron-db-manage upgrade heads (log: $RUN/db-manage.log)"
  (cd "$RUN" && neutron-db-manage "${NCONF[@]}" upgrade heads >> "$RUN/db-manage.log" 2>&1)
  cd "$RUN"
  setsid /usr/bin/neutron-server "${NCONF[@]}" >> "$RUN/neutron-server.out" 2>&1 < /dev/null &
  echo $! > "$RUN/neutron-server.pid"
  echo "started neutron-server pid $(cat "$RUN/neutron-server.pid")"
fi

# wait for the API
for i in $(seq 1 180); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v2.0/networks" || true)
  if [ "$code" = "200" ]; then
    # record the worker processes forked by neutron-server (for stop.sh / RSS)
    ppid=$(cat "$RUN/neutron-server.pid")
    pgrep -P "$ppid" > "$RUN/neutron-server.children" || true
    echo "neutron-server is answering on $URL (GET /v2.0/networks -> 200)"
    exit 0
  fi
  if ! alive "$RUN/neutron-server.pid" neutron-server; then
    echo "neutron-server died; see $RUN/neutron-server.log and $RUN/neutron-server.out" >&2
    exit 1
  fi
  sleep 1
done
echo "timed out waiting for $URL/v2.0/networks" >&2
exit 1
