"""The workflows' security and act contracts: pinned actions, least privilege, no expressions in shell, stand-ins.

actionlint and zizmor (make lint) check the same things more broadly; these tests name the project's own rules
and also run the two linters, so a workflow edit that breaks them fails in pytest too.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from ragops.app.affected import SELF_CHECK
from ragops.config.environments import load_environments

REPO_ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def act_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("act_run", REPO_ROOT / "scripts" / "ci" / "act_run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def steps(workflow: Path) -> list[dict[str, object]]:
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_the_workflows_exist() -> None:
    assert {w.name for w in WORKFLOWS} >= {"pr.yml", "release.yml", "promote-production.yml", "e2e.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_action_is_pinned_to_a_full_commit_sha(workflow: Path) -> None:
    for step in steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", str(step["uses"])), step["uses"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_no_expression_inside_run(workflow: Path) -> None:
    for step in steps(workflow):
        assert "${{" not in str(step.get("run", "")), f"{workflow.name}: pass {step.get('run')!r} values via env:"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_permissions_are_empty_at_the_top_and_granted_per_job(workflow: Path) -> None:
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert document["permissions"] == {}
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{workflow.name}: job {name} states no permissions"
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes <= {"contents", "pull-requests"}, (name, writes)


def test_only_the_comment_job_may_write_to_pull_requests_and_pr_never_writes_contents() -> None:
    document = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"))
    for name, job in document["jobs"].items():
        assert job["permissions"].get("contents") != "write", name
        assert (job["permissions"].get("pull-requests") == "write") == (name == "comment"), name
    triggers = document[True]  # PyYAML reads the key `on` as True
    assert set(triggers) == {"pull_request"}, "never pull_request_target: it runs a fork's code with secrets"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_remote_action_has_a_local_stand_in_for_act(workflow: Path) -> None:
    module = act_run()
    args = module.local_repository_args(REPO_ROOT, workflow)
    mapped = {arg.split("=", 1)[0] for arg in args if arg != "--local-repository"}
    for repo, sha in module.pinned_actions(workflow):
        assert f"{repo}@{sha}" in mapped
    for arg in args:
        if arg != "--local-repository":
            assert (Path(arg.split("=", 1)[1]) / "action.yml").is_file(), arg


def test_runner_setup_steps_are_skipped_under_act_and_only_repository_folders_are_cached_there() -> None:
    for workflow in WORKFLOWS:
        for step in steps(workflow):
            uses = str(step.get("uses", ""))
            if uses.startswith("actions/setup-python@"):
                assert step.get("if") == "${{ !env.ACT }}", (workflow.name, uses)
            if uses.startswith("actions/cache@"):
                path = str(step["with"]["path"])  # type: ignore[index]
                if path.startswith(("~", "/")):
                    # The cache stand-in links folders of act's copy to the host; never one of the host's own.
                    assert "!env.ACT" in str(step.get("if")), (workflow.name, path)


def _document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    return loaded


def test_the_self_check_runs_when_ragops_itself_changes_and_e2e_on_main_watches_the_same_paths() -> None:
    jobs = _document("pr.yml")["jobs"]
    assert "needs.validate.outputs.self_check == 'true'" in jobs["self-check"]["if"]
    assert [s.get("run") for s in jobs["self-check"]["steps"] if "run" in s] == ["scripts/ci/self-check.sh"]
    assert "make lint typecheck test-unit" in (REPO_ROOT / "scripts" / "ci" / "self-check.sh").read_text()
    e2e = _document("e2e.yml")
    assert e2e[True]["push"]["branches"] == ["main"]
    watched = [p.removesuffix("**") for p in e2e[True]["push"]["paths"]]
    assert watched == list(SELF_CHECK)
    assert [s.get("run") for s in e2e["jobs"]["e2e"]["steps"] if "run" in s] == ["make test-e2e"]
    assert [s.get("run") for s in e2e["jobs"]["shipped"]["steps"] if "run" in s] == ["make test-shipped"]


def test_the_ci_scripts_are_glue_without_inline_python() -> None:
    """Decisions live in ragops commands that unit tests cover; the scripts only call them."""
    for script in sorted((REPO_ROOT / "scripts" / "ci").glob("*.sh")):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\bpython3?\b", text), f"{script.name} runs Python itself: make it a ragops command"


def test_no_script_names_an_environment() -> None:
    """Environments come from ragops (kustomize/environments.yaml): the scripts pass them on, never spell them."""
    for script in sorted((REPO_ROOT / "scripts" / "ci").glob("*.sh")):
        code = "\n".join(
            line for line in script.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
        )
        for environment in load_environments(REPO_ROOT).names:
            assert environment not in code, f"{script.name} hard-codes the environment {environment!r}"


@pytest.mark.parametrize("linter", [["actionlint"], ["zizmor", "--offline", ".github/workflows"]], ids=str)
def test_linters_report_nothing(linter: list[str]) -> None:
    binary = BIN / linter[0]
    if not binary.exists():
        pytest.fail(f"{linter[0]} is not installed: it comes with the test extra (make install)")
    done = subprocess.run([str(binary), *linter[1:]], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sweep_workflow_runs_pull_request_code_read_only_and_only_for_collaborators() -> None:
    document = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "sweep.yml").read_text(encoding="utf-8"))
    assert set(document[True]) == {"issue_comment", "workflow_dispatch"}
    sweep, comment = document["jobs"]["sweep"], document["jobs"]["comment"]
    # The job that checks out and runs the pull request's code: read-only, no secrets, started by a collaborator.
    assert sweep["permissions"] == {"contents": "read"}
    assert "secrets." not in yaml.safe_dump(sweep)
    for association in ("OWNER", "MEMBER", "COLLABORATOR"):
        assert association in sweep["if"]
    assert "startsWith(github.event.comment.body, '/sweep')" in sweep["if"]
    checkouts = [s for s in sweep["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)
    # The comment reaches ragops only through env, as one argument its own parser reads.
    (run,) = [s for s in sweep["steps"] if s.get("name") == "run the sweep"]
    assert run["env"]["COMMAND"] == "${{ github.event.comment.body || inputs.command }}"
    assert 'ragops sweep --comment "${COMMAND' in (REPO_ROOT / "scripts/ci/sweep.sh").read_text(encoding="utf-8")
    # Posting: the only job that may write, and it runs the default branch's code (no ref to the pull request).
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert all("ref" not in s.get("with", {}) for s in comment["steps"] if "checkout" in str(s.get("uses", "")))
    assert "--marker sweep" in (REPO_ROOT / "scripts/ci/sweep-comment.sh").read_text(encoding="utf-8")
