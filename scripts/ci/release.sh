#!/usr/bin/env bash
# Release the merged state: every app whose staging release is not up to date with this commit is evaluated,
# its index published and, when its gates pass, promoted to staging, all in one bot commit pushed to main.
#
# Up to date means: origin/main's staging overlay holds a release built from a commit that `ragops affected`
# says this commit does not change (so a re-run, or a run for a commit that touched only the README, changes
# nothing), or from a newer commit (a later run got there first). Deciding from the deployed release rather
# than from this push's own diff means a run that was cancelled or failed loses no release: the next one
# catches up. The push rebases onto main and retries when main moved meanwhile.
#
# Environment: RAGOPS_ARTIFACT_STORE (where indexes are published: s3://bucket/prefix or file:///path),
# GITHUB_TOKEN (for the push on GitHub; not needed for a local origin), RAGOPS_RELEASE_ENV (default staging).
set -euo pipefail
env_name="${RAGOPS_RELEASE_ENV:-staging}"
store="${RAGOPS_ARTIFACT_STORE:?set RAGOPS_ARTIFACT_STORE (a repository variable): where index artifacts are published}"
bot_name="github-actions[bot]"
bot_email="41898282+github-actions[bot]@users.noreply.github.com"
head="$(git rev-parse HEAD)"

# shellcheck source=scripts/ci/git-remote.sh
source "$(dirname "$0")/git-remote.sh"

git_remote fetch --quiet origin main
mkdir -p "${RUNNER_TEMP:-/tmp}"

# Which apps need a release.
to_release=()
for config in rag-configs/*.yaml; do
  app="$(basename "$config" .yaml)"
  released="$(git show "origin/main:kustomize/overlays/$env_name/$app/release.json" 2>/dev/null \
    | python -c 'import json, sys
try:
    print(json.load(sys.stdin).get("commit", ""))
except ValueError:
    print("")' || true)"
  if [ -z "$released" ] || ! git cat-file -e "$released^{commit}" 2>/dev/null; then
    echo "$app: no release in $env_name yet"; to_release+=("$config"); continue
  fi
  if [ "$released" = "$head" ] || git merge-base --is-ancestor "$head" "$released"; then
    echo "$app: $env_name already serves ${released:0:12}, this commit or a newer one"; continue
  fi
  if ragops affected "$released" "$head" --format json \
      | python -c 'import json, sys; sys.exit(0 if sys.argv[1] in {i["app"] for i in json.load(sys.stdin)["include"]} else 1)' "$app"; then
    echo "$app: changed since the release in $env_name (${released:0:12})"; to_release+=("$config")
  else
    echo "$app: unchanged since the release in $env_name (${released:0:12})"
  fi
done
if [ "${#to_release[@]}" -eq 0 ]; then
  echo "nothing to release"; exit 0
fi

# Evaluate, publish and promote each; a failing gate stops that app, not the others.
failed=()
promoted=()
# shellcheck source=scripts/ci/backend.sh
source "$(dirname "$0")/backend.sh"
state_dir=".ragops/kfp"  # the pipeline's caches (ragops eval's default --state-dir), kept by actions/cache
for config in "${to_release[@]}"; do
  app="$(basename "$config" .yaml)"
  run_dir="runs/release/$app"
  echo "::group::$app: evaluate, publish, promote"
  ragops data pull "$config"
  rm -rf "$run_dir"
  ragops eval "$config" --out "$run_dir" --state-dir "$state_dir" "${backend_args[@]}"
  # The index of this checkout, packed into a content-addressed artifact: its digest and URI go into release.json.
  published="${RUNNER_TEMP:-/tmp}/published-$app.json"
  # The evaluation's embedding cache (STATE/embedding-cache): the index it builds embeds nothing again.
  ragops index "$config" --cache-dir "$state_dir/embedding-cache" --publish "$store" --json > "$published"
  read -r digest uri < <(python -c 'import json, sys
artifact = json.load(open(sys.argv[1], encoding="utf-8")).get("artifact") or {}
print(artifact.get("digest", ""), artifact.get("uri", ""))' "$published")
  if [ -z "$digest" ] || [ -z "$uri" ]; then
    echo "::error::$app: ragops index --publish reported no artifact digest and URI ($published)"; exit 3
  fi
  # Promote on top of what main's overlay holds now (the baseline of max_regression), not this commit's copy.
  git checkout origin/main -- "kustomize/overlays/$env_name/$app" 2>/dev/null || true
  status=0
  ragops promote "$app" --env "$env_name" --run "$run_dir" --index-uri "$uri" --index-digest "$digest" || status=$?
  echo "::endgroup::"
  case "$status" in
    0) promoted+=("$app") ;;
    1) failed+=("$app"); echo "::error::$app: not promoted: its quality gate failed (see above)" ;;
    *) exit "$status" ;;
  esac
done

git add -- "kustomize/overlays/$env_name"
if git diff --cached --quiet; then
  echo "the $env_name overlays already hold these releases: nothing to commit"
else
  git -c user.name="$bot_name" -c user.email="$bot_email" commit --quiet \
    -m "release: promote ${promoted[*]} to $env_name" -m "Evaluated commit: $head"
  if [ -n "${ACT:-}" ] && [ "${RAGOPS_ACT_PUSH:-}" != 1 ]; then
    # make act-release must not push to a real origin by accident.
    echo "act: committed $(git rev-parse --short HEAD) in act's copy only (RAGOPS_ACT_PUSH=1 pushes it)"
    git show --stat HEAD
  else
    push_to_main "the $env_name overlay changed on main meanwhile in a conflicting way; re-run the release" \
      || exit $?
  fi
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "::error::quality gate failed, not released: ${failed[*]}"; exit 1
fi
