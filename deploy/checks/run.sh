#!/usr/bin/env bash
# Checks the deployment artifacts offline, with no Docker daemon and no cluster: the Dockerfile
# (hadolint), deploy/compose.yaml (the Compose spec's schema, then docker-compose's own model),
# the Helm chart (lint and render with its defaults and with values-production.yaml, then the
# manifests against Kubernetes' schemas) and what matters in all of them (test_manifests.py).
# Installs the validators first if needed (deploy/validators.sh). Every check runs; the script
# exits non-zero if any failed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
"$repo/deploy/validators.sh"

# The newest Kubernetes whose schemas kubernetes-validate 1.37.0 carries.
KUBERNETES_VERSION=1.37.0
bin="$repo/.venv/bin"
chart=deploy/helm/boxoffice
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

passed=0 failed=()
check() {
  local name=$1; shift
  printf '\n[checks] %s\n' "$name"
  if "$@"; then
    printf '[checks] ok: %s\n' "$name"
    passed=$((passed + 1))
  else
    printf '[checks] FAILED: %s\n' "$name"
    failed+=("$name")
  fi
}

check "hadolint deploy/Dockerfile" \
  "$bin/hadolint" --config deploy/checks/.hadolint.yaml deploy/Dockerfile
check "deploy/compose.yaml against the Compose spec" \
  "$bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
# The Compose file requires JWT_SECRET (it has no default): give it one, as a user must.
check "docker-compose config -q" \
  env JWT_SECRET=checks-only-secret-of-at-least-32-bytes docker-compose -f deploy/compose.yaml config -q
check "helm lint and render $chart (default values)" \
  "$bin/python" deploy/checks/render_chart.py "$chart" "$out/default.yaml"
check "helm lint and render $chart (values-production.yaml)" \
  "$bin/python" deploy/checks/render_chart.py "$chart" "$out/production.yaml" "$chart/values-production.yaml"
check "kubernetes-validate --strict, Kubernetes $KUBERNETES_VERSION" \
  "$bin/kubernetes-validate" --strict -k "$KUBERNETES_VERSION" "$out/default.yaml" "$out/production.yaml"
check "test_manifests.py" \
  "$bin/python" deploy/checks/test_manifests.py

echo
for name in "${failed[@]}"; do printf '[checks] FAILED: %s\n' "$name"; done
echo "checks: $passed passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
