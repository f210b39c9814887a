"""A repository whose workflows the e2e tests run with act, the way ``make act-pr`` / ``make act-release`` do
(``scripts/ci/act_run.py``), against the GitHub REST emulator, with a bare "origin" to push to.

Shared by the workflow tests: the small scratch repositories (the fault cases, the /sweep workflow), built from
this project's tools, workflows, CI scripts, schemas and Kustomize base by :func:`copy_project` (the data and the
apps are each test's own), and the clone of this repository (the loop as a user gets it). Every act run of one
repository shares one cache folder (the cache stand-in links the jobs' ``.ragops`` and ``.dvc/cache`` to it, as a
restored cache on GitHub) and one artifact store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.support.github_emulator import GitHubEmulator

OWNER, NAME = "acme", "rag"
TOKEN = "ghs_act_e2e_token"
BOT = "github-actions[bot]"
# What a scratch repository takes from this project: the code under test and everything its workflows run.
COPIED = (
    "tools",
    "pyproject.toml",
    "gate-policy.yaml",
    "Makefile",
    "schemas",
    ".github",
    "scripts/ci",
    "tests/__init__.py",
    "tests/support",
    "kustomize/base",
    "kustomize/components",
    "kustomize/environments.yaml",
    ".gitignore",
)
_IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **_IDENTITY}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def copy_project(work: Path) -> None:
    """This project's tools, workflows, CI scripts, schemas and Kustomize base into ``work``, with a README of its
    own: a scratch repository to add an app to."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".mypy_cache")
    for name in COPIED:
        source, target = REPO_ROOT / name, work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy(source, target)
    (work / "README.md").write_text("# rag\n\nA RAG monorepo managed with ragops.\n")


def step_ran(log: str, step: str) -> bool:
    """Whether act logged the step (by its name) as succeeded."""
    return re.search(rf"✅\s+Success - Main {re.escape(step)}", log) is not None


def with_origin(work: Path, origin: Path) -> None:
    """A bare ``origin`` holding ``work``'s main, as the repository on GitHub."""
    git(work.parent, "init", "-q", "--bare", "-b", "main", str(origin))
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")


@dataclass
class ActRepo:
    work: Path
    origin: Path
    emulator: GitHubEmulator
    logs: Path
    store: Path
    cache: Path
    timeout_s: int = 1200

    def run_act(
        self, event_name: str, event: dict[str, object], label: str, *extra: str, skip_self_check: bool = False
    ) -> tuple[int, str]:
        """act on ``work`` for ``event``; returns act's exit code and its log (also kept as ``logs/LABEL.log``)."""
        event_file = self.logs / f"{label}.event.json"
        event_file.write_text(json.dumps(event, indent=2), encoding="utf-8")
        command = [
            sys.executable,
            "scripts/ci/act_run.py",
            event_name,
            "--event-file",
            str(event_file),
            "--venv",
            sys.prefix,
            "--api-url",
            self.emulator.url,
            "--repository",
            f"{OWNER}/{NAME}",
            "--token-env",
            "RAGOPS_E2E_TOKEN",
            "--artifacts",
            str(self.artifacts(label)),
            "--artifact-store",
            self.store.as_uri(),
            "--cache",
            str(self.cache),
        ]
        if skip_self_check:
            command.append("--skip-self-check")
        command += ["--", *extra]
        env = {**os.environ, "RAGOPS_E2E_TOKEN": TOKEN}
        for name in ("GITHUB_TOKEN", "RAGOPS_LLM_BASE_URL"):
            env.pop(name, None)  # as on a fresh GitHub repository: no token of ours, no endpoint variable
        done = subprocess.run(
            command, cwd=self.work, env=env, capture_output=True, text=True, timeout=self.timeout_s, check=False
        )
        log = done.stdout + done.stderr
        (self.logs / f"{label}.log").write_text(log, encoding="utf-8")
        return done.returncode, log

    def artifacts(self, label: str) -> Path:
        return self.logs / f"{label}.artifacts"

    def comments(self, number: int) -> list[dict[str, object]]:
        return self.emulator.comments(OWNER, NAME, number)

    def pr_event(self, number: int, base: str, head: str, branch: str) -> dict[str, object]:
        repo = {"full_name": f"{OWNER}/{NAME}", "name": NAME, "owner": {"login": OWNER}}
        return {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "head": {"sha": head, "ref": branch, "repo": repo},
                "base": {"sha": base, "ref": "main", "repo": repo},
            },
            "repository": repo,
        }

    def comment_event(self, number: int, body: str, association: str) -> dict[str, object]:
        """A new comment on pull request ``number`` by a user whose relation to the repository is ``association``
        (OWNER, MEMBER, COLLABORATOR, NONE, …)."""
        repo = {"full_name": f"{OWNER}/{NAME}", "name": NAME, "owner": {"login": OWNER}}
        pulls = f"https://api.github.com/repos/{OWNER}/{NAME}/pulls/{number}"
        return {
            "action": "created",
            "issue": {"number": number, "pull_request": {"url": pulls}},
            "comment": {"id": 1, "body": body, "author_association": association, "user": {"login": "dev"}},
            "repository": repo,
        }

    def push_event(self, before: str, after: str) -> dict[str, object]:
        repo = {"full_name": f"{OWNER}/{NAME}", "name": NAME, "owner": {"login": OWNER}}
        return {"ref": "refs/heads/main", "before": before, "after": after, "repository": repo}

    def origin_main(self) -> str:
        return git(self.origin, "rev-parse", "refs/heads/main")
