#!/usr/bin/env bash
# Install xinyong on a fresh Debian 12 application host (docs/operations.md, "Install on a fresh Debian machine").
# Idempotent: run it again after copying a new release to /opt/xinyong. As root:
#   ./deploy/install.sh            packages, user, folders, venv, systemd units, nginx site (nothing is started)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
APP=/opt/xinyong

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip nginx redis-server postgresql-client fonts-noto-cjk \
  poppler-utils >/dev/null

id xinyong >/dev/null 2>&1 || useradd --system --home /var/lib/xinyong --shell /usr/sbin/nologin xinyong
install -d -o xinyong -g xinyong -m 0750 /var/lib/xinyong /var/lib/xinyong/uploads
install -d -o root -g xinyong -m 0750 /etc/xinyong
[ -f /etc/xinyong/xinyong.env ] || install -o root -g xinyong -m 0640 "$SRC/deploy/env/xinyong.env.example" /etc/xinyong/xinyong.env

if [ "$SRC" != "$APP" ]; then
  mkdir -p "$APP"
  cp -a "$SRC/." "$APP/"
fi
python3 -m venv "$APP/.venv"
"$APP/.venv/bin/pip" install -q --upgrade pip
"$APP/.venv/bin/pip" install -q "$APP"
# The static files nginx serves come from the installed source tree; migrations from $APP/migrations.
chown -R root:root "$APP"

install -m 0644 "$SRC"/deploy/systemd/*.service "$SRC"/deploy/systemd/*.timer /etc/systemd/system/
systemctl daemon-reload

install -m 0644 "$SRC/deploy/nginx/xinyong.conf" /etc/nginx/sites-available/xinyong
install -d /etc/nginx/snippets
install -m 0644 "$SRC/deploy/nginx/xinyong-proxy.conf" /etc/nginx/snippets/xinyong-proxy.conf
ln -sf /etc/nginx/sites-available/xinyong /etc/nginx/sites-enabled/xinyong

cat <<'NEXT'
Installed. Next (docs/operations.md):
  1. fill in /etc/xinyong/xinyong.env (secrets: xinyong keys new field|hmac; the database URLs)
  2. as root: (set -a; . /etc/xinyong/xinyong.env; /opt/xinyong/.venv/bin/xinyong audit keygen)
     then chgrp xinyong /etc/xinyong/audit.key && chmod 0640 /etc/xinyong/audit.key
  3. as xinyong: sudo -u xinyong bash -c 'set -a; . /etc/xinyong/xinyong.env; /opt/xinyong/.venv/bin/xinyong db upgrade'
  4. put the certificate in /etc/ssl/xinyong/, set server_name in /etc/nginx/sites-available/xinyong, nginx -t
  5. systemctl enable --now xinyong xinyong-tick.timer && systemctl reload nginx
  6. curl -fsS https://<host>/readyz
NEXT
