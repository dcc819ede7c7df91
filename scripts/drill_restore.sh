#!/usr/bin/env bash
# Restore drill (docs/operations.md, "Restore to a point in time"): a PostgreSQL cluster of its own on a spare port
# with WAL archived by pgBackRest to a local repository; the schema and data; a full backup; more writes after it; a
# table dropped by mistake; a point-in-time restore to the second before the drop into a fresh cluster. Prints one
# JSON line: restore seconds, rows recovered vs expected, the audit chain verified on the restored copy, load.
# Installs pgbackrest (Debian package) when missing. Everything lives under one temporary folder, removed at the end
# (KEEP=1 keeps it). Needs root or the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=$ROOT/.venv/bin/python
XY=$ROOT/.venv/bin/xinyong
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
ENTITIES=${ENTITIES:-300}
CHECKS_BEFORE=${CHECKS_BEFORE:-200}
CHECKS_AFTER=${CHECKS_AFTER:-300}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if ! command -v pgbackrest >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq pgbackrest >/dev/null; else sudo apt-get install -y -qq pgbackrest >/dev/null; fi
fi

W=$(mktemp -d /tmp/xinyong-drill-restore.XXXXXX)
chmod 0755 "$W"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$W"
P1=$(port); P2=$(port)
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$W/primary" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$PGBIN/pg_ctl" -D "$W/restored" -m immediate stop >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

cat > "$W/pgbackrest.conf" <<CONF
[global]
repo1-path=$W/repo
repo1-retention-full=2
log-path=$W/log
lock-path=$W/lock
spool-path=$W/spool
compress-type=zst
start-fast=y
archive-async=n
log-level-console=warn

[drill]
pg1-path=$W/primary
pg1-port=$P1
pg1-socket-path=$W
CONF
as_pg mkdir -p "$W/repo" "$W/log" "$W/lock" "$W/spool"
BR="pgbackrest --config=$W/pgbackrest.conf --stanza=drill"

as_pg "$PGBIN/initdb" -D "$W/primary" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
cat >> "$W/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $P1
unix_socket_directories = '$W'
wal_level = replica
archive_mode = on
archive_command = '$BR archive-push %p'
max_wal_senders = 3
shared_buffers = 64MB
CONF
as_pg "$PGBIN/pg_ctl" -D "$W/primary" -l "$W/primary.log" -w start >/dev/null
as_pg $BR stanza-create >/dev/null
as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -qc "CREATE DATABASE xinyong" >/dev/null

export XINYONG_DATABASE_URL="postgresql://postgres@127.0.0.1:$P1/xinyong"
export XINYONG_AUDIT_KEY_FILE=$W/audit.key XINYONG_AUDIT_ANCHOR_FILE=$W/anchors.jsonl XINYONG_BACKGROUND_TICK_SECONDS=0
"$XY" audit keygen >/dev/null
"$XY" db upgrade >/dev/null
"$PY" scripts/drill_load.py seed "$ENTITIES" >/dev/null
"$PY" scripts/drill_load.py checks "$CHECKS_BEFORE" >/dev/null
as_pg $BR --type=full backup
"$PY" scripts/drill_load.py checks "$CHECKS_AFTER" >/dev/null   # written after the backup: only the WAL has them
EXPECTED=$("$PY" scripts/drill_load.py count punishment_checks)
sleep 1.2
TARGET=$(as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -d xinyong -Atc "SELECT to_char(clock_timestamp() - interval '1 second', 'YYYY-MM-DD HH24:MI:SS.MSOF')")
sleep 1.2
as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -d xinyong -qc "DROP TABLE punishment_checks CASCADE" >/dev/null  # the mistake
as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -d xinyong -qAtc "SELECT pg_switch_wal()" >/dev/null
as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -d xinyong -qAtc "CHECKPOINT" >/dev/null
as_pg "$PGBIN/psql" -h "$W" -p "$P1" -U postgres -d xinyong -qAtc "SELECT pg_switch_wal()" >/dev/null
sleep 1
as_pg "$PGBIN/pg_ctl" -D "$W/primary" -m fast -w stop >/dev/null   # archives the last segment; the restore gets a host of its own

START=$(date +%s.%N)
as_pg mkdir -p "$W/restored"
chmod 0700 "$W/restored"
as_pg $BR --pg1-path="$W/restored" --type=time "--target=$TARGET" --target-action=promote restore
cat >> "$W/restored/postgresql.auto.conf" <<CONF
port = $P2
unix_socket_directories = '$W'
archive_mode = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$W/restored" -l "$W/restored.log" -w -t 300 start >/dev/null
until [ "$(as_pg "$PGBIN/psql" -h "$W" -p "$P2" -U postgres -Atc 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.2; done
END=$(date +%s.%N)

export XINYONG_DATABASE_URL="postgresql://postgres@127.0.0.1:$P2/xinyong"
RECOVERED=$("$PY" scripts/drill_load.py count punishment_checks)
if "$XY" audit verify >/dev/null 2>&1; then AUDIT=true; else AUDIT=false; fi
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
"$PY" - "$START" "$END" "$EXPECTED" "$RECOVERED" "$AUDIT" "$LOAD" "$TARGET" <<'PYEND'
import json, sys
start, end, expected, recovered, audit, load, target = sys.argv[1:]
print(json.dumps({
    "drill": "restore",
    "restore_seconds": round(float(end) - float(start), 1),
    "target": target,
    "rows_expected": int(expected),
    "rows_recovered": int(recovered),
    "rows_match": int(expected) == int(recovered),
    "audit_chain_valid": audit == "true",
    "loadavg": [float(x) for x in load.split()],
}))
PYEND
