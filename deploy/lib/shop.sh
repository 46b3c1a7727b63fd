# Shell helpers shared by the checks that run the shop for real (deploy/lighthouse, deploy/schemathesis,
# deploy/drill) and by the installers (deploy/dev-tools.sh, deploy/validators.sh). Sourced, never run.

# Runs a command as root: itself when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages quietly, updating the package lists first (once per run).
apt_updated=
apt_install() { # apt_install PACKAGE...
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The one argument of a check that runs the shop, BINARY (e.g. target/debug/boxoffice): sets $bin
# to its absolute path, or exits 2 saying how to call the check.
shop_binary() { # shop_binary "$@"
  [ $# -eq 1 ] || { echo "usage: $0 BINARY   (e.g. target/debug/boxoffice)" >&2; exit 2; }
  bin=$(realpath "$1")
  [ -x "$bin" ] || { echo "$0: $1 is not an executable" >&2; exit 2; }
}

# Exits 2 naming the first of the TOOLs (commands or paths) that is missing.
needs() { # needs TOOL...
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$0: needs $tool" >&2; exit 2; }
  done
}

# A TCP port nobody listens on right now, below the ephemeral range (where outgoing connections
# take their local ports, so one could take it before our server binds it); as
# boxoffice_runtime::temporal_server::free_port.
free_port() {
  python3 - <<'PY'
import random, socket
try:
    below = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    below = 32768
for port in [random.randrange(10000, below) for _ in range(64)] if below > 10000 else []:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
PY
}

# Exit status 0 when every `name==version` pin of REQUIREMENTS is installed in VENV at exactly that
# version (asks no index).
venv_has_pins() { # venv_has_pins VENV REQUIREMENTS
  "$1/bin/python" - "$2" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open(sys.argv[1]):
    pin = line.split("#")[0].strip()
    if pin:
        name, wanted = pin.split("==")
        try:
            if version(name) != wanted:
                sys.exit(1)
        except PackageNotFoundError:
            sys.exit(1)
PY
}

# `BINARY dev` on free ports with a throw-away data dir under $work (its own Temporal dev server,
# Stripe emulator and SQLite), logging to LOG; extra NAME=VALUE settings go to its environment.
# Returns once it is ready, with $base its URL and $dev_pid its process; dev_shop_stop stops it.
dev_shop_start() { # dev_shop_start BINARY LOG [NAME=VALUE...]
  local bin=$1 log=$2 repo port
  shift 2
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  port=$(free_port)
  base=http://127.0.0.1:$port
  (
    # Only dev's own services: whatever a developer or CI exported for Postgres, Temporal or
    # Stripe is dropped, so that the run is the same everywhere.
    unset DATABASE_URL JWT_SECRET STRIPE_SECRET_KEY STRIPE_API_BASE STRIPE_PUBLISHABLE_KEY \
      STRIPE_WEBHOOK_SECRET STRIPE_JS_URL TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_API_KEY \
      TEMPORAL_PROFILE TEMPORAL_CONFIG_FILE BOXOFFICE_TASK_QUEUE BOXOFFICE_HOLD_SECS \
      SMTP_URL BOXOFFICE_MAIL
    for var in $(compgen -e | grep '^TEMPORAL_TLS' || true); do unset "$var"; done
    # From the repository root, so that dev finds .venv/bin/temporal when `temporal` is not on PATH.
    cd "$repo" && exec env "$@" \
      BOXOFFICE_DATA_DIR="$work/data" \
      BOXOFFICE_ADDR="127.0.0.1:$port" \
      BOXOFFICE_TEMPORAL_PORT="$(free_port)" \
      BOXOFFICE_TEMPORAL_UI_PORT="$(free_port)" \
      BOXOFFICE_STRIPE_EMULATOR_ADDR="127.0.0.1:$(free_port)" \
      "$bin" dev
  ) >"$log" 2>&1 &
  dev_pid=$!
  local _
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && return 0
    if ! kill -0 "$dev_pid" 2>/dev/null; then
      echo "$0: boxoffice dev exited before it was ready; its log:" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "$0: $base/readyz not ready after 60 s; see $log" >&2
  return 1
}

# Stops what dev_shop_start started (dev stops its Temporal server and emulator on TERM).
dev_shop_stop() {
  if [ -n "${dev_pid:-}" ] && kill -0 "$dev_pid" 2>/dev/null; then
    kill -TERM "$dev_pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 60); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$dev_pid" 2>/dev/null || true
    wait "$dev_pid" 2>/dev/null || true
  fi
}

# The JSON API as one user, whose cookies live in $work/JAR; fails on an HTTP error. As in README.md
# "Buying a ticket with curl".
api() { # api JAR PATH JSON → response body
  curl -fsS -b "$work/$1" -c "$work/$1" -H 'content-type: application/json' -d "$3" "$base/api$2"
}

# The session cookie of the user whose cookies live in $work/JAR.
session() { # session JAR
  awk '$6 == "session" { print $7 }' "$work/$1"
}
