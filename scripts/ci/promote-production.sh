#!/usr/bin/env bash
# Copy the release staging serves for APP into the production overlay, unchanged (`ragops promote APP --from
# staging --to production`), and open a pull request for review — or, with DIRECT=true (where branch protection
# allows the bot to push to main), commit it to main directly.
# Environment: APP, DIRECT (true/false), GITHUB_TOKEN (push; GH_TOKEN for `gh pr create`), GITHUB_REPOSITORY.
set -euo pipefail
app="${APP:?APP: the app to promote}"
if ! [[ "$app" =~ ^[a-z0-9][a-z0-9._-]*$ ]] || [ ! -f "rag-configs/$app.yaml" ]; then
  echo "::error::no app '$app' (rag-configs/$app.yaml)"; exit 2
fi
bot=(-c "user.name=github-actions[bot]" -c "user.email=41898282+github-actions[bot]@users.noreply.github.com")

# shellcheck source=scripts/ci/git-remote.sh
source "$(dirname "$0")/git-remote.sh"

ragops promote "$app" --from staging --to production
git add -- "kustomize/overlays/production/$app"
if git diff --cached --quiet; then
  echo "production already serves the release staging serves for $app: nothing to do"; exit 0
fi
release_id="$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["release_id"])' \
  "kustomize/overlays/production/$app/release.json")"
title="release: promote $app $release_id to production"

if [ "${DIRECT:-false}" = true ]; then
  git "${bot[@]}" commit --quiet -m "$title"
  push_to_main "the production overlay of $app changed on main meanwhile; run the promotion again" || exit $?
  echo "committed to main: $title"
  exit 0
fi

branch="promote/production/$app-$release_id"
git switch --quiet -c "$branch"
git "${bot[@]}" commit --quiet -m "$title" \
  -m "Copies the release staging serves (kustomize/overlays/staging/$app) unchanged. Merge to deploy it."
git_remote push --quiet --force origin "HEAD:refs/heads/$branch"
GH_TOKEN="${GH_TOKEN:-${GITHUB_TOKEN:-}}" gh pr create --base main --head "$branch" --title "$title" \
  --body "Promotes the release staging serves for \`$app\` ($release_id) to production, unchanged. Review and merge: Argo CD or Flux deploys it; revert the merge to roll back."
