"""A throw-away copy of this project to run its workflows under act, and the act run itself: what the workflow
tests share. The copy holds the project's tools/, workflows, CI scripts, schemas and Kustomize base (the data and
the apps are each test's own); act runs through scripts/ci/act_run.py, the same command line as ``make act-pr``,
with the test's virtualenv and the GitHub emulator's URL and token."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

ACT_TIMEOUT_S = 1200
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
    ".gitignore",
)


def copy_project(work: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".mypy_cache")
    for name in COPIED:
        source, target = REPO_ROOT / name, work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy(source, target)
    (work / "README.md").write_text("# rag\n\nA RAG monorepo managed with ragops.\n")


def run_act(
    work: Path,
    logs: Path,
    event_name: str,
    event: dict[str, object],
    label: str,
    *,
    api_url: str,
    repository: str,
    token: str,
    store: Path,
    extra: tuple[str, ...] = (),
) -> tuple[int, str]:
    """Run the workflow ``event_name`` triggers with ``event`` as its payload; returns act's exit code and output
    (also kept in ``logs/LABEL.log``; the jobs' artifacts in ``logs/LABEL.artifacts``)."""
    event_file = logs / f"{label}.event.json"
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
        api_url,
        "--repository",
        repository,
        "--token-env",
        "RAGOPS_E2E_TOKEN",
        "--artifacts",
        str(logs / f"{label}.artifacts"),
        "--artifact-store",
        store.as_uri(),
        "--",
        *extra,
    ]
    env = {**os.environ, "RAGOPS_E2E_TOKEN": token}
    env.pop("GITHUB_TOKEN", None)
    done = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=ACT_TIMEOUT_S, check=False
    )
    log = done.stdout + done.stderr
    (logs / f"{label}.log").write_text(log, encoding="utf-8")
    return done.returncode, log
