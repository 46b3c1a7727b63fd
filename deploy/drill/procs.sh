#!/usr/bin/env bash
# The drill's process control: starts, stops, kills and restarts the pieces of one private shop
# (Postgres, a Temporal dev server, the Stripe emulator, MailDev, gateways and workers) and keeps every pid
# it starts under $DRILL_DIR/pids, so that run.sh's cleanup can end exactly those.
#
# Sourced by run.sh; drill.py calls it as `procs.sh ACTION [ARG]` with DRILL_DIR set (the settings
# are in $DRILL_DIR/env, written by run.sh). Actions:
#   pg-start | pg-stop | pg-restart [DOWN_SECS]   the private cluster (pg_ctl; as `postgres` when root)
#   temporal-start | temporal-stop                the dev server, on the same port and db file
#   emulator-start | emulator-kill                the Stripe emulator (SIGKILL: its ledger is lost)
#   maildev-start | maildev-stop                  the mail catcher (its messages kept on disk)
#   gateway-start N | gateway-term N              `boxoffice serve` N (1 or 2); SIGTERM (no wait)
#   wait-exit NAME SECS                           until NAME (e.g. gateway1) has exited
#   worker-start N | worker-kill N                `boxoffice worker` N; kill -9
#   wait-http URL SECS                            until URL answers 2xx
#   stop-all                                      everything still running (the cleanup)
set -uo pipefail

: "${DRILL_DIR:?DRILL_DIR must be set}"
# shellcheck disable=SC1091
[ -f "$DRILL_DIR/env" ] && . "$DRILL_DIR/env"

log() { printf '[drill %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Runs a Postgres tool as the cluster's owner: Postgres refuses to run as root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pid_of() { cat "$DRILL_DIR/pids/$1" 2>/dev/null; }

# Whether PID runs: an exited child not yet reaped (a zombie) does not.
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

alive() {
  local pid
  pid=$(pid_of "$1") || return 1
  [ -n "$pid" ] && running "$pid"
}

# spawn NAME LOG COMMAND...: starts COMMAND in the background, its output appended to LOG, in a
# session of its own (a terminal's Ctrl-C reaches only the drill, whose cleanup stops it).
spawn() {
  local name=$1 logfile=$2
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$DRILL_DIR/pids/$name"
}

# stop_pid NAME SIGNAL SECS: sends SIGNAL, waits up to SECS for the exit, then SIGKILL.
stop_pid() {
  local name=$1 signal=$2 secs=$3 pid i
  pid=$(pid_of "$name") || return 0
  if [ -n "$pid" ] && running "$pid"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      log "$name ($pid) still running after $secs s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$DRILL_DIR/pids/$name"
}

wait_http() {
  local url=$1 secs=$2 i
  for ((i = 0; i < secs * 5; i++)); do
    curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  log "$url did not answer 2xx within $secs s"
  return 1
}

pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

pg_init() {
  mkdir -p "$PG_DATA"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --no-sync >"$LOGS/initdb.log" 2>&1 ||
    { log "initdb failed:"; cat "$LOGS/initdb.log" >&2; return 1; }
  # TCP on loopback only, a port of its own, its socket in its own directory: nothing is shared
  # with the system's cluster on 5432. fsync off: a throw-away cluster (a fast-mode stop still
  # writes a clean checkpoint, so restarts lose nothing).
  cat >>"$PG_DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
fsync = off
max_connections = 200
EOF
  touch "$LOGS/postgres.log" && { [ "$(id -u)" != 0 ] || chown postgres: "$LOGS/postgres.log"; }
}

pg_start() {
  pg_ctl_ -l "$LOGS/postgres.log" -w -t 60 start >/dev/null
}

pg_stop() {
  pg_ctl_ -m fast -w -t 60 stop >/dev/null
}

# pg-restart [DOWN_SECS]: `pg_ctl restart -m fast`, or with DOWN_SECS > 0 a fast stop, that long
# with no database at all, then a start.
pg_restart() {
  local down=${1:-0}
  if [ "$down" = 0 ]; then
    pg_ctl_ -m fast -w -t 60 -l "$LOGS/postgres.log" restart >/dev/null
  else
    pg_stop && sleep "$down" && pg_start
  fi
}

temporal_start() {
  # The same tuning as `boxoffice dev` gives its dev server (runtime/src/temporal_server.rs).
  spawn temporal "$LOGS/temporal.log" "$TEMPORAL_CLI" server start-dev --headless \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --http-port "$TEMPORAL_HTTP_PORT" \
    --metrics-port "$TEMPORAL_METRICS_PORT" --db-filename "$TEMPORAL_DB" --log-level warn \
    --dynamic-config-value history.transferProcessorMaxPollRPS=200 \
    --dynamic-config-value matching.numTaskqueueReadPartitions=1 \
    --dynamic-config-value matching.numTaskqueueWritePartitions=1 \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal
  local i
  for ((i = 0; i < 300; i++)); do
    "$TEMPORAL_CLI" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1 && return 0
    alive temporal || { log "the Temporal dev server exited; see $LOGS/temporal.log"; return 1; }
    sleep 0.2
  done
  log "the Temporal dev server did not become healthy"
  return 1
}

temporal_stop() { stop_pid temporal TERM 20; }

emulator_start() {
  spawn emulator "$LOGS/emulator.log" env STRIPE_EMULATOR_ADDR="127.0.0.1:$EMU_PORT" \
    STRIPE_EMULATOR_WEBHOOK_URL="http://127.0.0.1:$GW2_PORT/api/webhooks/stripe" \
    STRIPE_WEBHOOK_SECRET="$WEBHOOK_SECRET" "$BIN/stripe-emulator"
  wait_http "http://127.0.0.1:$EMU_PORT/_emulator/payment_intents" 30
}

emulator_kill() { stop_pid emulator KILL 5; }

# MailDev keeps every message it accepted as a .eml file in $MAIL_DIR and loads them again when it
# starts: a stop (the SMTP outage) loses nothing, and the reconciliation reads the files.
maildev_start() {
  spawn maildev "$LOGS/maildev.log" "$MAILDEV" --ip 127.0.0.1 --smtp "$SMTP_PORT" \
    --web "$MAILDEV_WEB_PORT" --mail-directory "$MAIL_DIR"
  wait_http "http://127.0.0.1:$MAILDEV_WEB_PORT/email" 30
}

maildev_stop() { stop_pid maildev TERM 5; }

common_env() {
  echo DATABASE_URL="$DATABASE_URL" TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" \
    TEMPORAL_NAMESPACE=default BOXOFFICE_TASK_QUEUE=purchase BOXOFFICE_HOLD_SECS="$HOLD_SECS" \
    STRIPE_SECRET_KEY=sk_test_emulator STRIPE_API_BASE="http://127.0.0.1:$EMU_PORT/" \
    STRIPE_WEBHOOK_SECRET="$WEBHOOK_SECRET" BOXOFFICE_LOG_FORMAT=text RUST_LOG=info NO_COLOR=1 \
    SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
}

gateway_port() { if [ "$1" = 1 ]; then echo "$GW1_PORT"; else echo "$GW2_PORT"; fi; }
worker_metrics_port() { if [ "$1" = 1 ]; then echo "$W1_METRICS_PORT"; else echo "$W2_METRICS_PORT"; fi; }

gateway_start() {
  local n=$1 port
  port=$(gateway_port "$n")
  # shellcheck disable=SC2046
  spawn "gateway$n" "$LOGS/gateway$n.log" env $(common_env) JWT_SECRET="$JWT_SECRET" \
    BOXOFFICE_ADDR="127.0.0.1:$port" STRIPE_PUBLISHABLE_KEY=pk_test_emulator \
    "$BIN/boxoffice" serve
  wait_http "http://127.0.0.1:$port/readyz" 60
}

# gateway-term N: SIGTERM and return at once; wait-exit tells when its requests in flight finished.
gateway_term() {
  local pid
  pid=$(pid_of "gateway$1") && kill -TERM "$pid"
}

# wait-exit NAME SECS: 0 once the process has exited (its pid file is then removed), 1 if it is
# still running after SECS.
wait_exit() {
  local name=$1 secs=$2 pid i
  pid=$(pid_of "$name") || return 0
  for ((i = 0; i < secs * 10; i++)); do
    if ! running "$pid"; then
      rm -f "$DRILL_DIR/pids/$name"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

worker_start() {
  local n=$1 port
  port=$(worker_metrics_port "$n")
  # shellcheck disable=SC2046
  spawn "worker$n" "$LOGS/worker$n.log" env $(common_env) \
    BOXOFFICE_METRICS_ADDR="127.0.0.1:$port" "$BIN/boxoffice" worker
  wait_http "http://127.0.0.1:$port/readyz" 60
}

worker_kill() { stop_pid "worker$1" KILL 5; }

stop_all() {
  local f name
  for f in "$DRILL_DIR"/pids/*; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    case $name in
      gateway* | worker* | emulator | maildev) stop_pid "$name" TERM 8 ;;
    esac
  done
  [ -e "$DRILL_DIR/pids/temporal" ] && stop_pid temporal TERM 10
  if [ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    pg_ctl_ -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  action=${1:?usage: procs.sh ACTION [ARG]}
  shift
  case $action in
    pg-start) pg_start ;;
    pg-stop) pg_stop ;;
    pg-restart) pg_restart "$@" ;;
    temporal-start) temporal_start ;;
    temporal-stop) temporal_stop ;;
    emulator-start) emulator_start ;;
    emulator-kill) emulator_kill ;;
    maildev-start) maildev_start ;;
    maildev-stop) maildev_stop ;;
    gateway-start) gateway_start "$@" ;;
    gateway-term) gateway_term "$@" ;;
    worker-start) worker_start "$@" ;;
    worker-kill) worker_kill "$@" ;;
    wait-http) wait_http "$@" ;;
    wait-exit) wait_exit "$@" ;;
    stop-all) stop_all ;;
    *) echo "procs.sh: unknown action $action" >&2; exit 2 ;;
  esac
fi
