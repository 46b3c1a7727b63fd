#!/usr/bin/env bash
# Runs every test against real PostgreSQL and a real Temporal dev server: checks formatting,
# installs the tools if needed while the workspace compiles (once), checks the deployment files,
# then runs the whole workspace's tests, browser tests included (headless chromium), Lighthouse,
# Schemathesis and the fault drill, side by side in lanes (deploy/lib/lanes.sh).
#   deploy/test.sh [CARGO OPTIONS]   e.g. --release; the options go to the one `cargo test` build
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=lib/lanes.sh
. "$repo/deploy/lib/lanes.sh"
artifacts() { python3 "$repo/deploy/lib/artifacts.py" "$lanes_dir/build.json" "$@"; }
cargo fmt --all -- --check
# A fresh clone (CI's) gains nothing from incremental compilation's caches, only their cost.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi

# The tools (apt, PyPI, npm) install while the workspace compiles: the one waits on the network,
# the other on the CPU. Then the deployment's Dockerfile, Compose file and Helm chart are checked
# offline (seconds). One after the other, so that two apt-gets never race for dpkg's lock.
(
  status=0
  { "$repo/deploy/dev-tools.sh" && "$repo/deploy/checks/run.sh"; } >"$lanes_dir/tools.log" 2>&1 || status=$?
  echo "$status" >"$lanes_dir/tools.status"
) &
tools=$!

# The fault drill (2 gateways, 2 workers, private Postgres, faults, reconciled; ~3 min, mostly
# waiting out its outages) and Schemathesis (the OpenAPI contract fuzzed with every check, signed
# in) are the longest steps and need only the shop's two binaries and the tools: they start as soon
# as those are there, beside the rest of the build. Each runs a shop of its own on ports of its
# own. The drill's checks allow for a loaded machine; Schemathesis checks no timings, so it runs
# at a lower priority (nice 5), leaving the CPU first to the steps that time things.
shop_ready() { # prints the directory of the shop's binaries once they are built and the tools installed
  local dir
  until [ -e "$lanes_dir/tools.status" ] && dir=$(artifacts bin-dir); do
    if [ -e "$lanes_dir/build.status" ] && ! artifacts bin-dir >/dev/null; then return 1; fi
    sleep 2
  done
  [ "$(cat "$lanes_dir/tools.status")" -eq 0 ] && echo "$dir"
}
drill() {
  local bins
  bins=$(shop_ready) || { echo "drill: not run, the build or the tools failed" >&2; return 1; }
  step drill "$repo/deploy/drill/run.sh" "$bins"
}
schemathesis() {
  local bins
  bins=$(shop_ready) || { echo "schemathesis: not run, the build or the tools failed" >&2; return 1; }
  step schemathesis nice -n 5 "$repo/deploy/schemathesis/run.sh" "$bins/boxoffice"
}
lane drill drill
lane schemathesis schemathesis

# One build: the test build also builds `boxoffice` and `stripe-emulator` (their packages have
# integration tests), in the very feature set the runs below use. A `cargo build` here would
# resolve features without dev-dependencies and compile the workspace a second time. Its JSON
# messages name every test executable and its package (deploy/lib/artifacts.py).
status=0
cargo test --locked --workspace --no-run --message-format=json-render-diagnostics "$@" \
  >"$lanes_dir/build.json" || status=$?
echo "$status" >"$lanes_dir/build.status"
wait "$tools"
cat "$lanes_dir/tools.log"
tools_status=$(cat "$lanes_dir/tools.status")
if [ "$tools_status" -ne 0 ] || [ "$status" -ne 0 ]; then
  [ "$tools_status" -eq 0 ] || echo "the tools or the deployment checks failed (exit $tools_status)" >&2
  wait_lanes drill schemathesis || true
  exit $((status ? status : tools_status))
fi
bins=$(artifacts bin-dir)
artifacts tests >"$lanes_dir/tests"

# Runs the named test executables, each in its package's directory, as `cargo test` would;
# `--rest` runs every one no lane names (a new test file runs without a change here).
named_in_lanes=" api catalog browser bench_command dev_command serve_command staff_command "
tests() { # tests NAME... | tests --rest
  local wanted=" $* " name dir exe failed=0
  while read -r name dir exe; do
    if [ "$1" = --rest ]; then
      [[ $named_in_lanes != *" $name "* ]] || continue
    else
      [[ $wanted == *" $name "* ]] || continue
    fi
    step "$name" bash -c 'cd "$1" && exec "$2"' - "$dir" "$exe" || failed=1
  done <"$lanes_dir/tests"
  return "$failed"
}

# Tests mostly wait on Temporal and Postgres, not the CPU, so run more of them at once than cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"
# The browser tests save a screenshot of every page they visit; say where, pass or fail.
target="${CARGO_TARGET_DIR:-$repo/target}"
export BOXOFFICE_SCREENSHOTS="${BOXOFFICE_SCREENSHOTS:-$target/screenshots}"
rm -rf "$BOXOFFICE_SCREENSHOTS"
api_tests() { tests api catalog; }
# Each browser test drives a Chromium of its own: four at once, beside everything else, not eight.
browser_and_cli_tests() {
  local failed=0
  RUST_TEST_THREADS=4 tests browser || failed=1
  # dev's tests before the bench smoke: they start Temporal servers on ports picked free a moment
  # before, and Lighthouse, starting its own shop when the API tests end, picks ports too.
  tests dev_command serve_command staff_command || failed=1
  tests bench_command || failed=1
  return "$failed"
}
other_tests() { tests --rest; }
lane api api_tests
lane browser browser_and_cli_tests
lane other other_tests
wait_lanes api browser other || status=1
# Lighthouse scores performance, which a busy CPU lowers: it runs once the tests are done, beside
# the drill's quieter end. Six pages must score 100 in every category (reports in target/lighthouse/).
step lighthouse "$repo/deploy/lighthouse/run.sh" "$bins/boxoffice" || status=1
wait_lanes drill schemathesis || status=1
lanes_summary
echo "Screenshots of the storefront (browser tests): $BOXOFFICE_SCREENSHOTS ($(ls "$BOXOFFICE_SCREENSHOTS" 2>/dev/null | wc -l) files)"
exit "$status"
