#!/usr/bin/env bash
# One affected app of a pull request: fetch its data, evaluate base and head, render the diff.
# `evaluate-pr.sh APP CONFIG BASE_SHA` writes reports/APP.md (the comment section), reports/APP.html and
# reports/APP.gate ("pass" or "fail"). A failed gate is not a failure of this step: the comment job posts the
# diff first and fails the check after. Anything else (exit 2 or 3: bad input, infrastructure) fails here.
set -euo pipefail
app="${1:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
config="${2:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
base="${3:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
mkdir -p reports

# The head's data; `ragops diff --base-ref` pulls the base's data into its own checkout of the base.
ragops data pull "$config"

status=0
ragops diff "$config" --base-ref "$base" --format md --out "reports/$app.md" --html "reports/$app.html" || status=$?
case "$status" in
  0) echo pass > "reports/$app.gate" ;;
  1) echo fail > "reports/$app.gate"; echo "::warning::$app: a quality gate failed (the check fails after the comment)" ;;
  *) echo "::error::$app: ragops diff failed with exit code $status"; exit "$status" ;;
esac
test -s "reports/$app.md" || { echo "::error::$app: ragops diff wrote no report"; exit 1; }
