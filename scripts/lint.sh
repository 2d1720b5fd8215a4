#!/usr/bin/env bash
# Lint, format and type checks: ruff check, ruff format --check, mypy.
#
#   scripts/lint.sh            # all three; exit 1 if any fails
#   scripts/lint.sh --fix      # ruff check --fix and ruff format first, then the checks
#
# mypy runs on hakb/, ingest/ and service/ as the packages they install as
# (hakb, hakb.ingest, hakb.service): it cannot see the package-dir mapping through
# the editable install, so it gets a tree of links with the installed layout,
# build/mypy/hakb/{*.py -> hakb/, ingest -> ingest/, service -> service/, eval -> eval/}.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
export ORT_DISABLE_TELEMETRY=1

if [ "${1:-}" = "--fix" ]; then
    "$PY" -m ruff check --fix . || true
    "$PY" -m ruff format .
fi

status=0
echo "== ruff check"
"$PY" -m ruff check . || status=1
echo "== ruff format --check"
"$PY" -m ruff format --check . || status=1

echo "== mypy (hakb, hakb.ingest, hakb.service)"
tree=build/mypy/hakb
rm -rf build/mypy
mkdir -p "$tree"
for f in hakb/*.py hakb/py.typed; do
    [ -e "$f" ] && ln -s "$PWD/$f" "$tree/$(basename "$f")"
done
for pkg in ingest service eval; do
    ln -s "$PWD/$pkg" "$tree/$pkg"
done
"$PY" -m mypy -p hakb.ingest -p hakb.service $(for f in hakb/*.py; do m=$(basename "$f" .py); [ "$m" = __init__ ] && echo "-m hakb" || echo "-m hakb.$m"; done) || status=1

exit $status
