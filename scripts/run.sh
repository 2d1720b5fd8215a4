#!/usr/bin/env bash
# Sets up hakb, ingests the bundled documents (data/docs) and serves the API and
# chat page on http://127.0.0.1:8000 with embedded Chroma.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -c constraints.txt -e .
export ORT_DISABLE_TELEMETRY=1
hakb ingest
exec hakb serve --host "${HAKB_HOST:-127.0.0.1}" --port "${HAKB_PORT:-8000}"
