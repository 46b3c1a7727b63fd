#!/usr/bin/env bash
# The scale-out and fault drill: one shop on this machine, scaled out to 2 gateways and 2 workers on
# a private Postgres cluster, one Temporal dev server and the Stripe emulator, driven through both
# gateways while five faults hit it, then reconciled (database against Stripe's ledger):
#
#   deploy/drill/run.sh BIN_DIR      BIN_DIR holds `boxoffice` and `stripe-emulator` (target/debug)
#
#   1. kill -9 a worker with charges in flight: the other worker finishes every saga
#   2. restart the Temporal server (same db file): holds still expire, at most a few seconds late
#   3. restart Postgres: activities retry and every saga ends correctly
#   4. the Stripe emulator down ~25 s: charges wait and retry, none lost or doubled
#   5. SIGTERM a gateway with requests in flight: they finish; new requests go to the other one
#   6. no fault, a slow Stripe: a payment made just before its hold ends, whose charge outlasts the
#      hold, still answers 201 and completes (the README's "the hold never expires under a paying
#      buyer")
#   7. kill -9 a worker while staff refund paid orders: each order is refunded exactly once
#   8. (run after 4) the SMTP server (MailDev) down 30 s while buyers keep buying: purchases
#      answer as fast as just before it, the messages wait and are delivered once it is back
#
# The workers deliver the shop's e-mail to a MailDev of the drill's own; the reconciliation checks
# every paid order's receipt arrived exactly once and every message of the outbox once, across
# every fault (but a message a killed worker held under its lease, which may arrive twice: delivery
# is at least once).
# Prints a report (counts before and after each phase, then the reconciliation) and exits non-zero
# if any check failed. About three minutes. Everything it starts runs from a temp dir
# (the binaries are copied there first, so a rebuild meanwhile changes nothing) and is stopped and
# deleted on exit, pass or fail; DRILL_KEEP=1 keeps the logs and data (the path is printed).
#
# Needs: PostgreSQL's server binaries (/usr/lib/postgresql/*/bin), `temporal` (the CLI, from PATH,
# TEMPORAL_CLI or .venv/bin), MailDev (deploy/maildev's install, MAILDEV or PATH), psql, curl,
# python3 (standard library only). Tunables:
# DRILL_HOLD_SECS (20), DRILL_EMULATOR_DOWN_SECS (25), DRILL_PG_DOWN_SECS (5; 0 is a plain
# `pg_ctl restart -m fast`), DRILL_LATE_LIMIT_SECS (5), DRILL_SMTP_DOWN_SECS (30),
# DRILL_PHASES (1,2,3,4,5,6,7,8: which of the phases run; the warm-up and the reconciliation
# always do).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BIN_DIR   (e.g. target/debug)" >&2; exit 2; }
src_bin=$(realpath "$1")
for b in boxoffice stripe-emulator; do
  [ -x "$src_bin/$b" ] || { echo "$0: $src_bin/$b is not an executable" >&2; exit 2; }
done
for tool in curl psql python3 setsid; do
  command -v "$tool" >/dev/null || { echo "$0: needs $tool" >&2; exit 2; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "${pg_bin:-}/initdb" ] || { echo "$0: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin" >&2; exit 2; }
temporal_cli=${TEMPORAL_CLI:-$(command -v temporal || true)}
[ -n "$temporal_cli" ] || temporal_cli=$repo/.venv/bin/temporal
[ -x "$temporal_cli" ] || { echo "$0: needs the temporal CLI (PATH, TEMPORAL_CLI or .venv/bin)" >&2; exit 2; }
maildev=${MAILDEV:-$repo/deploy/maildev/node_modules/.bin/maildev}
[ -x "$maildev" ] || maildev=$(command -v maildev || true)
[ -x "$maildev" ] || { echo "$0: needs MailDev (deploy/dev-tools.sh installs it; or MAILDEV, PATH)" >&2; exit 2; }
started=$SECONDS

DRILL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/boxoffice-drill.XXXXXX")
export DRILL_DIR
# Postgres runs as `postgres` when we are root: it must be able to reach its data directory.
chmod 711 "$DRILL_DIR"
mkdir -p "$DRILL_DIR/pids" "$DRILL_DIR/logs" "$DRILL_DIR/bin" "$DRILL_DIR/ledger" "$DRILL_DIR/mail"
chmod 777 "$DRILL_DIR/logs"

drill_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$drill_pid" ]; then
    kill -TERM "$drill_pid" 2>/dev/null || true
    wait "$drill_pid" 2>/dev/null || true
  fi
  "$here/procs.sh" stop-all || true
  if [ "${DRILL_KEEP:-0}" = 1 ]; then
    rm -rf "$DRILL_DIR/bin"
    echo "logs, the Postgres cluster and Temporal's db file kept in $DRILL_DIR" >&2
  else
    rm -rf "$DRILL_DIR"
  fi
  echo "drill: $((SECONDS - started)) s, exit $rc" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$src_bin/boxoffice" "$src_bin/stripe-emulator" "$DRILL_DIR/bin/"

# shellcheck source=../lib/shop.sh
. "$here/../lib/shop.sh" # free_port
pg_port=$(free_port)
cat >"$DRILL_DIR/env" <<EOF
BIN=$DRILL_DIR/bin
LOGS=$DRILL_DIR/logs
PG_BIN=$pg_bin
PG_DATA=$DRILL_DIR/pg
PG_PORT=$pg_port
DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/boxoffice
TEMPORAL_CLI=$temporal_cli
TEMPORAL_PORT=$(free_port)
TEMPORAL_HTTP_PORT=$(free_port)
TEMPORAL_METRICS_PORT=$(free_port)
TEMPORAL_DB=$DRILL_DIR/temporal.db
EMU_PORT=$(free_port)
GW1_PORT=$(free_port)
GW2_PORT=$(free_port)
W1_METRICS_PORT=$(free_port)
W2_METRICS_PORT=$(free_port)
MAILDEV=$maildev
SMTP_PORT=$(free_port)
MAILDEV_WEB_PORT=$(free_port)
MAIL_DIR=$DRILL_DIR/mail
HOLD_SECS=${DRILL_HOLD_SECS:-20}
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
WEBHOOK_SECRET=whsec_drill_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
EOF
# shellcheck disable=SC1091
. "$DRILL_DIR/env"
procs() { "$here/procs.sh" "$@"; }

echo "drill: starting Postgres (port $PG_PORT), Temporal ($TEMPORAL_PORT), the emulator ($EMU_PORT), MailDev (SMTP $SMTP_PORT, inbox $MAILDEV_WEB_PORT)" >&2
# shellcheck source=deploy/drill/procs.sh
(. "$here/procs.sh" && pg_init)
procs pg-start
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE boxoffice' >/dev/null
procs temporal-start
DATABASE_URL=$DATABASE_URL "$DRILL_DIR/bin/boxoffice" migrate >"$LOGS/migrate.log" 2>&1 ||
  { echo "drill: boxoffice migrate failed:" >&2; cat "$LOGS/migrate.log" >&2; exit 1; }
# The emulator's webhooks go to gateway 2 (gateway 1 is the one fault 5 stops); it starts first,
# since the gateways' readiness does not depend on it.
procs emulator-start
procs maildev-start
# Workers first: they register the saga's search attributes, which the gateways' starts use.
up() { wait "$1" || { echo "drill: $2 did not start; see its log in $LOGS" >&2; exit 1; }; }
procs worker-start 1 & w1=$!
procs worker-start 2 & w2=$!
up "$w1" "worker 1"
up "$w2" "worker 2"
procs gateway-start 1 & g1=$!
procs gateway-start 2 & g2=$!
up "$g1" "gateway 1"
up "$g2" "gateway 2"
echo "drill: the shop is up after $((SECONDS - started)) s: gateways :$GW1_PORT :$GW2_PORT, workers' metrics :$W1_METRICS_PORT :$W2_METRICS_PORT" >&2

# In the background, so that a signal to this script is handled (by the cleanup) at once.
python3 "$here/drill.py" &
drill_pid=$!
status=0
wait "$drill_pid" || status=$?
drill_pid=
exit "$status"
