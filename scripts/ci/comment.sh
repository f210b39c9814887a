#!/usr/bin/env bash
# Post every app's diff as one sticky PR comment, then fail when any gate failed or any evaluation is missing.
# EXPECTED_APPS: the affected apps, space-separated (`ragops affected --format github`'s `apps`); reports/ holds
# what the evaluate jobs uploaded.
set -euo pipefail
read -r -a expected <<< "${EXPECTED_APPS:-}"

files=()
for app in "${expected[@]}"; do
  if [ -s "reports/$app.md" ]; then files+=("reports/$app.md"); fi
done
if [ "${#files[@]}" -gt 0 ]; then
  # No token or a read-only one (forks): ragops comment writes to the job summary and exits 0.
  ragops comment "${files[@]}" --out reports/comment.md
fi

failed=()
missing=()
for app in "${expected[@]}"; do
  if [ ! -f "reports/$app.gate" ]; then missing+=("$app")
  elif [ "$(cat "reports/$app.gate")" != pass ]; then failed+=("$app"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "::error::evaluation did not finish for: ${missing[*]}"
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "::error::quality gate failed for: ${failed[*]} (see the pull request comment)"
fi
if [ "${#missing[@]}" -gt 0 ] || [ "${#failed[@]}" -gt 0 ]; then exit 1; fi
echo "every quality gate passed: ${expected[*]}"
