#!/usr/bin/env bash
# Prove the published JSON Schemas work in a third-party validator (check-jsonschema), not only in ragops:
# each schema against its metaschema, every app config against rag-config.v1.json, and every test-set record
# (JSON Lines, which check-jsonschema does not read: split into one file per non-blank line) against
# testset-record.v1.json.
set -euo pipefail
check-jsonschema --check-metaschema schemas/*.json

shopt -s nullglob
configs=(rag-configs/*.yaml rag-configs/*.yml)
if [ "${#configs[@]}" -gt 0 ]; then
  check-jsonschema --schemafile schemas/rag-config.v1.json "${configs[@]}"
fi

records="$(mktemp -d)"
trap 'rm -rf "$records"' EXIT
for testset in datasets/*/testsets/*.jsonl; do
  corpus="$(basename "$(dirname "$(dirname "$testset")")")"
  grep -v '^[[:space:]]*$' "$testset" | split --lines=1 --suffix-length=6 --numeric-suffixes=1 \
    --additional-suffix=.json - "$records/$corpus--$(basename "$testset" .jsonl)--" || true
done
files=("$records"/*.json)
if [ "${#files[@]}" -gt 0 ]; then
  check-jsonschema --schemafile schemas/testset-record.v1.json "${files[@]}"
fi
