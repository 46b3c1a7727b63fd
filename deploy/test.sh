#!/usr/bin/env bash
# Runs every test against real PostgreSQL and a real Temporal dev server: installs the tools if
# needed, checks formatting, then builds and runs the whole workspace's tests in one cargo call,
# browser tests included (headless chromium).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/deploy/dev-tools.sh"
cargo fmt --all -- --check
# The deployment's Dockerfile, Compose file and Helm chart, checked offline (seconds).
"$repo/deploy/checks/run.sh"
# Tests mostly wait on Temporal and Postgres, not the CPU, so run more of them at once than cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"
# Where cargo puts what it builds (CARGO_TARGET_DIR, if set, moves it).
target="${CARGO_TARGET_DIR:-$repo/target}"
# The browser tests save a screenshot of every page they visit; say where, pass or fail.
export BOXOFFICE_SCREENSHOTS="${BOXOFFICE_SCREENSHOTS:-$target/screenshots}"
rm -rf "$BOXOFFICE_SCREENSHOTS"
status=0
# One build: the test run also builds `boxoffice` and `stripe-emulator` (their packages have
# integration tests), in the very feature set the runs below use. A `cargo build` here would
# resolve features without dev-dependencies and compile the workspace a second time.
cargo test --locked --workspace "$@" || status=$?
bins="$target/debug"
# Lighthouse: four pages must score 100 in every category (reports in target/lighthouse/).
"$repo/deploy/lighthouse/run.sh" "$bins/boxoffice" || status=$((status ? status : 1))
# The scale-out and fault drill: 2 gateways, 2 workers, private Postgres, five faults, reconciled (~2.5 min).
"$repo/deploy/drill/run.sh" "$bins" || status=$((status ? status : 1))
# Schemathesis: the OpenAPI contract fuzzed with every check, signed in (reports in target/schemathesis/).
"$repo/deploy/schemathesis/run.sh" "$bins/boxoffice" || status=$((status ? status : 1))
echo "Screenshots of the storefront (browser tests): $BOXOFFICE_SCREENSHOTS ($(ls "$BOXOFFICE_SCREENSHOTS" 2>/dev/null | wc -l) files)"
exit "$status"
