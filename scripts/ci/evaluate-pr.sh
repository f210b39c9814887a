#!/usr/bin/env bash
# One affected app of a pull request: fetch its data, evaluate head and base, render the diff.
# `evaluate-pr.sh APP CONFIG BASE_SHA` writes into reports/: APP.md (the comment section), APP.gate ("pass" or
# "fail"), and the full HTML reports of both evaluations, APP-head.html and APP-base.html (uploaded as an artifact).
# A failed gate is not a failure of this step: the comment job posts the diff first and fails the check after.
# Anything else (exit 2 or 3: bad input, infrastructure) fails here.
set -euo pipefail
app="${1:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
config="${2:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
base="${3:?usage: evaluate-pr.sh APP CONFIG BASE_SHA}"
mkdir -p reports
# shellcheck source=scripts/ci/backend.sh
source "$(dirname "$0")/backend.sh"
# shellcheck source=scripts/ci/outputs.sh
source "$(dirname "$0")/outputs.sh"

# The head's data; `ragops diff --base-ref` pulls the base's data into its own checkout of the base.
ragops data pull "$config"

# The head is evaluated in the checkout, the base in a temporary worktree of BASE (same caches) unless a stored run
# provably of it exists; a model the app's config serves locally is started for each (--start-local-models).
outputs="${RUNNER_TEMP:-/tmp}/diff-$app.outputs"
: > "$outputs"
status=0
ragops diff "$config" --base-ref "$base" --format md --out "reports/$app.md" --start-local-models \
  --github-output "$outputs" "${backend_args[@]}" || status=$?
case "$status" in
  0) echo pass > "reports/$app.gate" ;;
  1) echo fail > "reports/$app.gate"; echo "::warning::$app: a quality gate failed (the check fails after the comment)" ;;
  *) echo "::error::$app: ragops diff failed with exit code $status"; exit "$status" ;;
esac
test -s "reports/$app.md" || { echo "::error::$app: ragops diff wrote no report"; exit 1; }

# The run folders the diff compared, as it reported them.
cp "$(output "$outputs" head_run)/report.html" "reports/$app-head.html"
base_run="$(output "$outputs" base_run)"
if [ -n "$base_run" ] && [ -f "$base_run/report.html" ]; then
  cp "$base_run/report.html" "reports/$app-base.html"
else
  echo "$app: no base evaluation (the app is new in this pull request)"
fi
