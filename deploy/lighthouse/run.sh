#!/usr/bin/env bash
# Lighthouse check: scores six pages of a running shop (performance, accessibility, best practices,
# SEO) and fails unless every score is 100.
#
#   deploy/lighthouse/run.sh target/debug/boxoffice
#
# Starts `BINARY dev` on free ports with a throw-away data dir (its own Temporal dev server, Stripe
# emulator and SQLite), seeds it through the JSON API (a seller with two tickets, a buyer holding an
# order for one), then audits, with Lighthouse's default (mobile) settings:
#   home    /                  signed out
#   search  /?q=arctic+monkeys signed out, a search with its matches marked
#   signup  /auth/signup       signed out
#   sell    /tickets/new       signed in as the seller
#   order   /orders/<id>       signed in as the buyer, the ticket held
#   listings /listings         signed in as the seller: one held, one for sale
# Reports (JSON and HTML) and the shop's log go to target/lighthouse/ (BOXOFFICE_LIGHTHOUSE_OUT).
# Lighthouse, puppeteer-core and chrome-launcher are pinned by package-lock.json and installed with
# `npm ci` when node_modules is missing or stale; Chromium is Debian's (CHROME_PATH, default
# /usr/bin/chromium). Nothing downloads at run time after that. About a minute.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/shop.sh
. "$repo/deploy/lib/shop.sh"
shop_binary "$@"
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
needs node npm curl "$CHROME_PATH"
out=${BOXOFFICE_LIGHTHOUSE_OUT:-$repo/target/lighthouse}
started=$SECONDS

# Node dependencies, exactly as locked; reinstalled only when package-lock.json changes.
stamp="$here/node_modules/.boxoffice-lock.sha256"
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

mkdir -p "$out"
rm -f "$out"/*.report.json "$out"/*.report.html "$out/dev.log"
work=$(mktemp -d "${TMPDIR:-/tmp}/boxoffice-lighthouse.XXXXXX")
cleanup() {
  dev_shop_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dev_shop_start "$bin" "$out/dev.log"

# Seed through the JSON API, as in README.md "Buying a ticket with curl".
json_id() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).id))'; }
api seller /users/signup '{"email":"seller@example.com","password":"password123"}' >/dev/null
ticket=$(api seller /tickets '{"title":"Coldplay, row 12","price":120}' | json_id)
api seller /tickets '{"title":"Arctic Monkeys, floor standing","price":85.5}' >/dev/null
api buyer /users/signup '{"email":"buyer@example.com","password":"password123"}' >/dev/null
order=$(api buyer /orders "{\"ticketId\":\"$ticket\"}" | json_id)

cat >"$work/pages.json" <<EOF
[
  {"name": "home", "url": "$base/"},
  {"name": "search", "url": "$base/?q=arctic+monkeys"},
  {"name": "signup", "url": "$base/auth/signup"},
  {"name": "sell", "url": "$base/tickets/new", "session": "$(session seller)"},
  {"name": "order", "url": "$base/orders/$order", "session": "$(session buyer)"},
  {"name": "listings", "url": "$base/listings", "session": "$(session seller)"}
]
EOF

status=0
node "$here/audit.mjs" "$work/pages.json" "$out" || status=$?
echo "Lighthouse check took $((SECONDS - started)) s (shop log: $out/dev.log)"
exit "$status"
