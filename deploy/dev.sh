#!/usr/bin/env bash
# Runs the whole shop on this machine: installs the tools if needed, then `boxoffice dev`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/deploy/dev-tools.sh"
exec cargo run --locked --bin boxoffice -- dev "$@"
