#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs all of them:
# lint and types, the pytest suite (unit, API over a real uvicorn, Slack, browser) and the eval gate.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium (never a downloaded browser); the shared-state
# tests run a real redis-server.
if ! command -v chromium >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium redis-server >/dev/null
fi

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -c constraints.txt -e '.[test]'

export ORT_DISABLE_TELEMETRY=1  # onnxruntime would otherwise try to phone home
./scripts/lint.sh                # ruff check, ruff format --check, mypy: CI gates on them
python -m pytest -q -p no:cacheprovider
hakb eval
