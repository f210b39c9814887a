#!/usr/bin/env bash
# The repository checks itself: lint (ruff, import-linter, deptry, schema and pipeline staleness, actionlint,
# zizmor), mypy and the unit tests — `make lint typecheck test-unit`, as a developer runs them.
#
# Under act the host's virtualenv is used (RAGOPS_ACT_VENV): `-o` tells make its install stamp is up to date, so
# nothing is installed into it from the copy (whose files all look newer).
set -euo pipefail
if [ -n "${ACT:-}" ] && [ -n "${RAGOPS_ACT_VENV:-}" ]; then
  make VENV="$RAGOPS_ACT_VENV" -o "$RAGOPS_ACT_VENV/.installed" lint typecheck test-unit
else
  make lint typecheck test-unit
fi
