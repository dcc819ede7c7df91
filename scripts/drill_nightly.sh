#!/usr/bin/env bash
# Nightly-style run of both drills (cron or a CI schedule): five failovers and one point-in-time restore, each
# drill's JSON line appended to var/drills.jsonl with the date; exit code 1 when a drill lost an acknowledged write
# (a check, an ingested row, an outbox message never delivered), stored a record twice, recovered a different row
# count, or found the audit chain broken.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
status=0
for drill in "RUNS=5 ./scripts/drill_failover.sh" "./scripts/drill_restore.sh"; do
  line=$(env $drill 2>>var/drills.err | tail -n1)
  echo "{\"at\": \"$(date -u +%FT%TZ)\", \"result\": ${line:-null}}" >> var/drills.jsonl
  echo "$line"
  echo "$line" | .venv/bin/python -c '
import json, sys
d = json.loads(sys.stdin.read() or "null") or {}
lost = ("acknowledged_writes_lost_total", "ingested_rows_lost_total", "records_stored_twice_total",
        "outbox_messages_undelivered_total")
ok = d.get("audit_chain_valid") and all(d.get(k, 0) == 0 for k in lost) and d.get("rows_match", True)
sys.exit(0 if ok else 1)' || status=1
done
exit $status
