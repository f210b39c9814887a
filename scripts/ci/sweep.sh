#!/usr/bin/env bash
# Run the sweep a `/sweep …` comment (or a manual run's command) asks for: COMMAND holds the comment's text, which
# only `ragops sweep --comment` reads. Leaves the pull-request section in reports/sweep.md — or, when the sweep
# fails, a section saying why — and the sweep folder in reports/sweep/.
set -euo pipefail
mkdir -p reports
# Progress (stderr) shows in the job's log as it happens and is kept for the failure note; stdout is in the report.
set +e
ragops sweep --comment "${COMMAND:?COMMAND: the /sweep comment}" --format md --report reports/sweep.md \
  --out reports/sweep --force 2>&1 > /dev/null | tee reports/sweep.log
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  {
    echo "### Sweep failed"
    echo
    echo "\`ragops sweep\` exited with code $status. Its last messages:"
    echo
    echo "~~~"
    grep -v '^\s*$' reports/sweep.log | tail -n 15 | tr -d '~'
    echo "~~~"
  } > reports/sweep.md
  echo "::error::the sweep failed (exit code $status); see the log above"
  exit "$status"
fi
