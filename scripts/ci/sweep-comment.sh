#!/usr/bin/env bash
# Post reports/sweep.md (the sweep's table, or why it failed) as the pull request's sticky sweep comment, beside the
# metric diff's (its own marker). PR: the pull request (a comment's issue number, or the manual run's input); with
# none, or without a token able to write (forks), the section goes to the job summary and the job still succeeds.
set -euo pipefail
if [ ! -s reports/sweep.md ]; then
  echo "::error::the sweep job left no reports/sweep.md"
  exit 1
fi
args=(reports/sweep.md --marker sweep --out reports/comment.md)
if [ -n "${PR:-}" ]; then args+=(--pr "$PR"); fi
ragops comment "${args[@]}"
