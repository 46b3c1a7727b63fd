#!/usr/bin/env bash
# Runs every test against real PostgreSQL and a real Temporal dev server: checks formatting,
# installs the tools if needed while the workspace compiles (once), checks the deployment files,
# then runs the whole workspace's tests, browser tests included (headless chromium).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
cargo fmt --all -- --check
# The tools (apt, PyPI) install while the workspace compiles: the one waits on the network, the
# other on the CPU. Then the deployment's Dockerfile, Compose file and Helm chart are checked
# offline (seconds). One after the other, so that two apt-gets never race for dpkg's lock.
tools_log=$(mktemp)
("$repo/deploy/dev-tools.sh" && "$repo/deploy/checks/run.sh") >"$tools_log" 2>&1 &
tools=$!
# Where cargo puts what it builds (CARGO_TARGET_DIR, if set, moves it).
target="${CARGO_TARGET_DIR:-$repo/target}"
status=0
# One build: the test run also builds `boxoffice` and `stripe-emulator` (their packages have
# integration tests), in the very feature set the runs below use. A `cargo build` here would
# resolve features without dev-dependencies and compile the workspace a second time.
cargo test --locked --workspace --no-run "$@" || status=$?
tools_status=0
wait "$tools" || tools_status=$?
cat "$tools_log"
rm -f "$tools_log"
if [ "$tools_status" -ne 0 ]; then
  echo "the tools or the deployment checks failed (exit $tools_status)" >&2
  exit "$tools_status"
fi
[ "$status" -eq 0 ] || exit "$status"
# Tests mostly wait on Temporal and Postgres, not the CPU, so run more of them at once than cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"
# The browser tests save a screenshot of every page they visit; say where, pass or fail.
export BOXOFFICE_SCREENSHOTS="${BOXOFFICE_SCREENSHOTS:-$target/screenshots}"
rm -rf "$BOXOFFICE_SCREENSHOTS"
cargo test --locked --workspace "$@" || status=$?
bins="$target/debug"
# Lighthouse: four pages must score 100 in every category (reports in target/lighthouse/).
"$repo/deploy/lighthouse/run.sh" "$bins/boxoffice" || status=$((status ? status : 1))
# Schemathesis: the OpenAPI contract fuzzed with every check, signed in (reports in
# target/schemathesis/), beside the drill: each runs a shop of its own on ports of its own;
# schemathesis checks no timings, and the drill's checks allow for a loaded machine.
schemathesis_log=$(mktemp)
"$repo/deploy/schemathesis/run.sh" "$bins/boxoffice" >"$schemathesis_log" 2>&1 &
schemathesis=$!
# The scale-out and fault drill: 2 gateways, 2 workers, private Postgres, faults, reconciled (~2.5 min).
"$repo/deploy/drill/run.sh" "$bins" || status=$((status ? status : 1))
schemathesis_status=0
wait "$schemathesis" || schemathesis_status=$?
cat "$schemathesis_log"
rm -f "$schemathesis_log"
[ "$schemathesis_status" -eq 0 ] || status=$((status ? status : 1))
echo "Screenshots of the storefront (browser tests): $BOXOFFICE_SCREENSHOTS ($(ls "$BOXOFFICE_SCREENSHOTS" 2>/dev/null | wc -l) files)"
exit "$status"
