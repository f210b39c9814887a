#!/usr/bin/env bash
# Copy the release the environment before TARGET serves for APP into TARGET's overlay, unchanged (`ragops promote
# APP --to TARGET`: ragops knows the promotion order), and open a pull request for review — or, with DIRECT=true
# (where branch protection allows the bot to push to main), commit it to main directly.
# Environment: APP, TARGET (e.g. production), DIRECT (true/false), GITHUB_TOKEN (push; GH_TOKEN for
# `gh pr create`), GITHUB_REPOSITORY.
set -euo pipefail
app="${APP:?APP: the app to promote}"
target="${TARGET:?TARGET: the environment to promote to}"
for name in "$app" "$target"; do
  if ! [[ "$name" =~ ^[a-z0-9][a-z0-9._-]*$ ]]; then echo "::error::not a name: '$name'"; exit 2; fi
done
bot=(-c "user.name=github-actions[bot]" -c "user.email=41898282+github-actions[bot]@users.noreply.github.com")

# shellcheck source=scripts/ci/git-remote.sh
source "$(dirname "$0")/git-remote.sh"
# shellcheck source=scripts/ci/outputs.sh
source "$(dirname "$0")/outputs.sh"

outputs="${RUNNER_TEMP:-/tmp}/promote.outputs"
: > "$outputs"
ragops promote "$app" --to "$target" --github-output "$outputs"
source_env="$(output "$outputs" source)"
release_id="$(output "$outputs" release_id)"
git add -- "$(output "$outputs" overlay)"
if [ "$(output "$outputs" changed)" != true ] || git diff --cached --quiet; then
  echo "$target already serves the release $source_env serves for $app: nothing to do"; exit 0
fi
title="release: promote $app $release_id to $target"

if [ "${DIRECT:-false}" = true ]; then
  git "${bot[@]}" commit --quiet -m "$title"
  push_to_main "the $target overlay of $app changed on main meanwhile; run the promotion again" || exit $?
  echo "committed to main: $title"
  exit 0
fi

branch="promote/$target/$app-$release_id"
git switch --quiet -c "$branch"
git "${bot[@]}" commit --quiet -m "$title" \
  -m "Copies the release $source_env serves (kustomize/overlays/$source_env/$app) unchanged. Merge to deploy it."
git_remote push --quiet --force origin "HEAD:refs/heads/$branch"
GH_TOKEN="${GH_TOKEN:-${GITHUB_TOKEN:-}}" gh pr create --base main --head "$branch" --title "$title" \
  --body "Promotes the release $source_env serves for \`$app\` ($release_id) to $target, unchanged. Review and merge: Argo CD or Flux deploys it; revert the merge to roll back."
