#!/usr/bin/env bash
# Sourced by the scripts that push a bot commit: git against origin with the workflow's token, and a push to main
# that rebases onto it and retries when main moved meanwhile.

# git with GITHUB_TOKEN as the credential for this one command (checkout ran with persist-credentials: false);
# plain git for a local origin (act, the tests).
git_remote() {
  if [ -n "${GITHUB_TOKEN:-}" ] && [[ "$(git remote get-url origin)" == https://* ]]; then
    local basic
    basic="$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
    echo "::add-mask::$basic"
    git -c "http.extraheader=AUTHORIZATION: basic $basic" "$@"
  else
    git "$@"
  fi
}

# push_to_main CONFLICT_MESSAGE: push HEAD to main; when main moved, rebase onto it and try again (5 attempts).
# Returns 1 (after printing CONFLICT_MESSAGE) when the rebase conflicts, 3 when every attempt failed.
push_to_main() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if git_remote push --quiet origin HEAD:refs/heads/main; then
      echo "pushed $(git rev-parse --short HEAD) to main"
      return 0
    fi
    if [ "$attempt" = 5 ]; then break; fi
    echo "main moved: rebasing onto it (attempt $attempt)"
    sleep $((attempt * 2))
    git_remote fetch --quiet origin main
    if ! git rebase --quiet origin/main; then
      git rebase --abort
      echo "::error::$1"
      return 1
    fi
  done
  echo "::error::could not push to main after 5 attempts"
  return 3
}
