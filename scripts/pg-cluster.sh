#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests and benchmarks.
#   scripts/pg-cluster.sh start DIR   -> initdb + start in DIR, print "export PG..." lines
#   scripts/pg-cluster.sh stop DIR    -> stop it and remove DIR
# Runs initdb as the postgres user (PostgreSQL refuses root). Port: $PG_PORT or a free one.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$cmd" in
start)
  mkdir -p "$dir"; chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  as_pg "$bin/initdb -D '$dir/data' -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log" 2>&1
  extra=${PG_EXTRA_OPTS-"-c fsync=off -c synchronous_commit=off -c full_page_writes=off"}
  as_pg "$bin/pg_ctl -D '$dir/data' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=200 $extra\" -l '$dir/server.log' -w start" >/dev/null
  as_pg "$bin/psql -h 127.0.0.1 -p $port -U postgres -qc \"CREATE ROLE licheng LOGIN SUPERUSER PASSWORD 'licheng'\""
  as_pg "$bin/createdb -h 127.0.0.1 -p $port -U postgres -O licheng licheng"
  echo "$port" > "$dir/port"
  echo "export LICHENG_DB=postgresql PGHOST=127.0.0.1 PGPORT=$port PGUSER=licheng PGPASSWORD=licheng PGDATABASE=licheng"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_pg "$bin/pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
