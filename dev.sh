#!/usr/bin/env bash
# xinyong's two commands. Everything the project needs is installed or started from here.
#   ./dev.sh start   set up .venv, migrate the embedded SQLite database, load the demo data, serve on :8000
#   ./dev.sh test    set up .venv, make sure PostgreSQL runs, then lint, type-check and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {
  if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "xinyong needs Python ≥ 3.11 ($PY)" >&2; exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && "$PY" -m venv "$VENV"; }
  fi
  # Reinstall only when the dependency list changed.
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
    echo "$want" > "$STAMP"
  fi
}

ensure_postgres() {
  # Tests run against the server named by XINYONG_TEST_DATABASE_URL, by default the machine's own PostgreSQL on
  # 127.0.0.1:5432 (user postgres, trust auth). Start it if it is down; install it if the machine has none.
  if [ -n "${XINYONG_TEST_DATABASE_URL:-}" ]; then return; fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "installing PostgreSQL (Debian package postgresql)…"
    apt_install postgresql
    local v; v=$(ls /etc/postgresql | sort -V | tail -n1)
    # A fresh Debian cluster asks for passwords on TCP; tests connect as postgres over loopback without one.
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "/etc/postgresql/$v/main/pg_hba.conf"
  fi
  local v; v=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1
}

ensure_redis() {
  # The rate-limit tests use a real Redis (XINYONG_TEST_REDIS_URL, default 127.0.0.1:6379 database 15).
  if [ -n "${XINYONG_TEST_REDIS_URL:-}" ]; then return; fi
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 0.5; done
  echo "Redis did not come up on 127.0.0.1:6379" >&2; exit 1
}

ensure_browser() {
  # Browser tests drive Debian's Chromium; CJK fonts make screenshots of Chinese pages legible.
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)…"
    apt_install "${missing[@]}"
  fi
}

ensure_fonts() {
  # Credit reports embed a CJK font (Noto Sans CJK SC); the report tests read PDFs with pdftotext.
  local missing=()
  [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)…"
    apt_install "${missing[@]}"
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  start)
    ensure_venv
    ensure_fonts
    "$VENV/bin/xinyong" db upgrade
    "$VENV/bin/xinyong" demo --if-empty
    exec "$VENV/bin/xinyong" serve "$@"
    ;;
  test)
    ensure_venv
    ensure_postgres
    ensure_redis
    ensure_browser
    ensure_fonts
    "$VENV/bin/ruff" check src tests bench scripts migrations
    "$VENV/bin/ruff" format --check src tests bench scripts migrations
    "$VENV/bin/mypy"
    "$VENV/bin/lint-imports"
    "$VENV/bin/pytest" -n 2 "$@"
    ;;
  *)
    echo "usage: ./dev.sh start [--host H] [--port P]   |   ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
