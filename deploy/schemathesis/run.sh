#!/usr/bin/env bash
# API contract check: Schemathesis fuzzes every operation of the shop's OpenAPI spec
# (/api/openapi.json) with every check (all that `--checks all` selects) against a real running
# shop, signed in, and fails on any failure.
#
#   deploy/schemathesis/run.sh target/debug/boxoffice
#
# Installs Schemathesis into the repo's .venv at the versions pinned in requirements.txt (once; a
# no-op when they are there: nothing downloads at run time after that), starts `BINARY dev` on free
# ports with a throw-away data dir (its own Temporal dev server, Stripe emulator and SQLite), seeds
# it through the JSON API:
#   seller@example.com  four tickets for sale (one free, two ordered by the buyer, one by roamer)
#   buyer@example.com   two held orders (one to read and pay, one to cancel) and a ticket of their own,
#                       its address verified through the link dev's MailDev caught (waiting lists
#                       need it); the run is signed in as the buyer (`Cookie: session=…`)
#   leaver@example.com  nothing: only POST /api/users/signout is sent with their session
#   roamer@example.com  holds a fourth ticket of the seller's, whose waiting list the buyer may join;
#                       only POST /api/users/signout/everywhere is sent with their session
# and runs Schemathesis with schemathesis.toml (the contract's deliberate differences from the
# checks, each explained there) and hooks.py (the seeded ids as examples, fresh sign-up emails).
# A fixed seed and a bounded number of cases per operation (200) keep runs repeatable and short
# (under a minute with a debug build on two cores); BOXOFFICE_SCHEMATHESIS_SEED and
# BOXOFFICE_SCHEMATHESIS_EXAMPLES change them. Reports (JUnit XML, NDJSON events with every request
# and response), the console output and the shop's log go to target/schemathesis/
# (BOXOFFICE_SCHEMATHESIS_OUT). Each failure prints a curl line to reproduce it (the session cookie
# shows as [Filtered]: sign up on a shop of your own and use its cookie).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/shop.sh
. "$repo/deploy/lib/shop.sh"
shop_binary "$@"
needs curl
out=${BOXOFFICE_SCHEMATHESIS_OUT:-$repo/target/schemathesis}
seed=${BOXOFFICE_SCHEMATHESIS_SEED:-20261201}
examples=${BOXOFFICE_SCHEMATHESIS_EXAMPLES:-200}
venv="$repo/.venv"
requirements="$here/requirements.txt"
started=$SECONDS
log() { printf '[schemathesis] %s\n' "$*"; }

# Schemathesis, exactly as pinned; pip runs only when a pin is missing or at another version.
if [ ! -x "$venv/bin/python" ]; then # deploy/validators.sh or dev-tools.sh usually made it already
  log "creating $venv"
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
fi
if ! venv_has_pins "$venv" "$requirements"; then
  log "installing deploy/schemathesis/requirements.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi
py="$venv/bin/python"

mkdir -p "$out"
rm -f "$out"/junit.xml "$out"/events.ndjson "$out"/schemathesis.txt "$out"/dev.log
work=$(mktemp -d "${TMPDIR:-/tmp}/boxoffice-schemathesis.XXXXXX")
cleanup() {
  dev_shop_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Rate limits are off: the fuzzer sends far more requests per second than any client would.
dev_shop_start "$bin" "$out/dev.log" BOXOFFICE_RATE_LIMITS=off

# Seed through the JSON API, as in README.md "Buying a ticket with curl".
json_id() { "$py" -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
api seller /users/signup '{"email":"seller@example.com","password":"password123"}' >/dev/null
held=$(api seller /tickets '{"title":"Coldplay, row 12","price":120}' | json_id)
cancelled=$(api seller /tickets '{"title":"Arctic Monkeys, floor standing","price":85.5}' | json_id)
free=$(api seller /tickets '{"title":"Radiohead, balcony","price":"42.50"}' | json_id)
api buyer /users/signup '{"email":"buyer@example.com","password":"password123"}' >/dev/null
own=$(api buyer /tickets '{"title":"Spare ticket, row 3","price":30}' | json_id)
withdraw=$(api buyer /tickets '{"title":"Spare ticket, row 4","price":35}' | json_id)
order=$(api buyer /orders "{\"ticketId\":\"$held\"}" | json_id)
cancel_order=$(api buyer /orders "{\"ticketId\":\"$cancelled\"}" | json_id)
api leaver /users/signup '{"email":"leaver@example.com","password":"password123"}' >/dev/null
api roamer /users/signup '{"email":"roamer@example.com","password":"password123"}' >/dev/null
wanted=$(api seller /tickets '{"title":"Blur, standing","price":65}' | json_id)
api roamer /orders "{\"ticketId\":\"$wanted\"}" >/dev/null
session=$(session buyer)
[ -n "$session" ] || { echo "$0: no session cookie after signing up" >&2; exit 1; }
# Joining a waiting list needs a verified address: the buyer asks for the link and follows it from
# dev's inbox (MailDev's REST API, its address in dev's banner), as its owner would.
api buyer /users/verify '{}' >/dev/null
verify_link() {
  local inbox
  inbox=$(sed -n 's/^  mail inbox: *\([^ ]*\) .*/\1/p' "$out/dev.log" | head -n 1)
  [ -n "$inbox" ] || return 0
  curl -fsS "$inbox/email" 2>/dev/null | "$py" -c '
import json, sys
for message in json.load(sys.stdin):
    if any(to.get("address") == "buyer@example.com" for to in message.get("to", [])):
        for line in message.get("text", "").splitlines():
            if line.startswith("Verify my address: "):
                print(line.split(": ", 1)[1])
                sys.exit()
' || true
}
link=""
for _ in $(seq 1 120); do
  link=$(verify_link)
  [ -z "$link" ] || break
  sleep 0.5
done
[ -n "$link" ] || { echo "$0: no verify message reached buyer@example.com; see $out/dev.log" >&2; exit 1; }
curl -fsS -o /dev/null "$link"
export BOXOFFICE_ST_SIGNOUT_SESSION # POST /api/users/signout's own (schemathesis.toml)
BOXOFFICE_ST_SIGNOUT_SESSION=$(session leaver)
export BOXOFFICE_ST_EVERYWHERE_SESSION # POST /api/users/signout/everywhere's own
BOXOFFICE_ST_EVERYWHERE_SESSION=$(session roamer)
export BOXOFFICE_ST_TICKET="$held" BOXOFFICE_ST_FREE_TICKET="$free" BOXOFFICE_ST_OWN_TICKET="$own" \
  BOXOFFICE_ST_ORDER="$order" BOXOFFICE_ST_CANCEL_ORDER="$cancel_order" \
  BOXOFFICE_ST_HELD_TICKET="$wanted" BOXOFFICE_ST_WITHDRAW_TICKET="$withdraw"
log "shop at $base seeded ($((SECONDS - started)) s); fuzzing, seed $seed, at most $examples cases per operation"

# Every check runs on every operation but for schemathesis.toml's exceptions (that file says why
# its `[checks] enabled = true` stands for `--checks all`). Run from this directory, as its
# `hooks = "hooks.py"` is relative; Hypothesis' own files (caches) go to the throw-away dir.
status=0
(cd "$here" && HYPOTHESIS_STORAGE_DIRECTORY="$work/hypothesis" \
  "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" --no-color \
  run "$base/api/openapi.json" \
  --header "Cookie: session=$session" \
  --seed "$seed" \
  --max-examples "$examples" \
  --report junit,ndjson \
  --report-junit-path "$out/junit.xml" \
  --report-ndjson-path "$out/events.ndjson") 2>&1 | tee "$out/schemathesis.txt" || status=$? # pipefail
echo "Schemathesis check took $((SECONDS - started)) s (output, reports and shop log: $out)"
exit "$status"
