# Runs the test suite's parts side by side, in "lanes": each lane runs its steps one after another
# in the background, the lanes run at once. One after another, each step leaves the CPU idle while
# it waits on Temporal, Postgres, a browser or a sleep; side by side they keep two cores busy and
# take about half as long. Sourced by deploy/test.sh, never run.
#
# A step's output goes to a log of its own and is printed whole when the step ends (never
# interleaved with another's), with its time and result; every step of a lane runs even if an
# earlier one failed, and `lanes_summary` lists them all at the end.

lanes_dir=$(mktemp -d "${TMPDIR:-/tmp}/boxoffice-lanes.XXXXXX")
trap 'rm -rf "$lanes_dir"' EXIT
declare -A lane_pids=()

# Runs one step in the foreground: STEP names it in the report, COMMAND... is what runs.
step() { # step STEP COMMAND...
  local name=$1 started=$SECONDS result=ok user sys TIMEFORMAT='%0U %0S'
  shift
  # `time` also counts what the step's processes started and waited for (servers, browsers).
  { time "$@" >"$lanes_dir/$name.log" 2>&1; } 2>"$lanes_dir/$name.cpu" || result="FAILED (exit $?)"
  read -r user sys <"$lanes_dir/$name.cpu"
  printf '%-30s %4d s, CPU %4d s  %s\n' "$name" $((SECONDS - started)) $((user + sys)) "$result" \
    >>"$lanes_dir/summary"
  {
    flock 9
    printf '\n===== %s: %s in %d s =====\n' "$name" "$result" $((SECONDS - started))
    cat "$lanes_dir/$name.log"
  } 9>"$lanes_dir/print.lock"
  [ "$result" = ok ]
}

# Starts LANE in the background: FUNCTION runs its steps (with `step`), failing if any failed.
lane() { # lane LANE FUNCTION
  local name=$1 steps=$2
  "$steps" &
  lane_pids[$name]=$!
}

# Waits for the LANEs; fails if any of them failed.
wait_lanes() { # wait_lanes LANE...
  local name failed=0
  for name in "$@"; do
    wait "${lane_pids[$name]}" || failed=1
  done
  return "$failed"
}

# Prints every step's time, CPU time and result, in the order they ended.
lanes_summary() {
  printf '\n===== every step, in the order they ended =====\n'
  cat "$lanes_dir/summary" 2>/dev/null || true
}
