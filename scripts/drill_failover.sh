#!/usr/bin/env bash
# Failover drill (docs/operations.md, "Failover"): one etcd and three Patroni-managed PostgreSQL nodes in synchronous
# mode on spare ports of this machine (nothing else is touched), checks written through the multi-host URL while the
# primary is killed with SIGKILL (Patroni and PostgreSQL), RUNS times (default 1). Prints one JSON line of figures.
# Installs the Debian packages patroni and etcd-server when missing. KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v patroni >/dev/null || ! command -v etcd >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq patroni etcd-server >/dev/null
  else sudo apt-get install -y -qq patroni etcd-server >/dev/null; fi
fi
exec .venv/bin/python scripts/drill_failover.py
