#!/usr/bin/env bash
# Which apps a change affects, as a job matrix: `affected.sh BASE HEAD` writes `include` (a JSON list of
# {app, config, reason}) and `any` (true/false) to $GITHUB_OUTPUT and a table to the job summary.
set -euo pipefail
base="${1:?usage: affected.sh BASE HEAD}"
head="${2:?usage: affected.sh BASE HEAD}"

ragops affected "$base" "$head" --format json > "${RUNNER_TEMP:-/tmp}/affected.json"
python - "${RUNNER_TEMP:-/tmp}/affected.json" <<'PY'
import json
import os
import sys

result = json.load(open(sys.argv[1], encoding="utf-8"))
include = [{"app": i["app"], "config": i["config"], "reason": i.get("reason", "")} for i in result["include"]]
with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
    out.write(f"include={json.dumps(include, separators=(',', ':'))}\n")
    out.write(f"any={'true' if include else 'false'}\n")
lines = ["### Affected apps", ""]
if include:
    lines += ["| app | config | why |", "|---|---|---|"]
    lines += [f"| {i['app']} | `{i['config']}` | {i['reason']} |" for i in include]
else:
    lines.append("No app is affected by this change: nothing to evaluate.")
summary = os.environ.get("GITHUB_STEP_SUMMARY")
if summary:
    with open(summary, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
print("affected:", ", ".join(i["app"] for i in include) or "none")
PY
