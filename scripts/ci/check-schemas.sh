#!/usr/bin/env bash
# Prove the published JSON Schemas work in a third-party validator (check-jsonschema), not only in ragops:
# each schema against its metaschema, every app config against rag-config.v1.json, and every test-set record
# (JSON Lines, which check-jsonschema does not read: split into one file per record) against testset-record.v1.json.
set -euo pipefail
check-jsonschema --check-metaschema schemas/*.json

shopt -s nullglob
configs=(rag-configs/*.yaml rag-configs/*.yml)
if [ "${#configs[@]}" -gt 0 ]; then
  check-jsonschema --schemafile schemas/rag-config.v1.json "${configs[@]}"
fi

records="$(mktemp -d)"
trap 'rm -rf "$records"' EXIT
python - "$records" <<'PY'
import pathlib
import sys

out = pathlib.Path(sys.argv[1])
for testset in sorted(pathlib.Path("datasets").glob("*/testsets/*.jsonl")):
    for number, line in enumerate(testset.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            name = f"{testset.parent.parent.name}--{testset.stem}--{number:06d}.json"
            (out / name).write_text(line, encoding="utf-8")
PY
files=("$records"/*.json)
if [ "${#files[@]}" -gt 0 ]; then
  check-jsonschema --schemafile schemas/testset-record.v1.json "${files[@]}"
fi
