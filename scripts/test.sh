#!/usr/bin/env bash
# The README's test command: make a virtualenv, install newscrawl with test extras, lint, test.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${NEWSCRAWL_VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
"$VENV/bin/ruff" check .
"$VENV/bin/python" -m pytest -q "$@"
