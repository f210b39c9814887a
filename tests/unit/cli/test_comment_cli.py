"""``ragops comment`` end to end through ``ragops.cli.main.main`` with an Actions environment and the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragops.cli.main import main
from tests.conftest import free_loopback_port
from tests.support.github_emulator import GitHubEmulator, Identity

TOKEN = "ghp_CLIsecretTOKEN0123456789abcdefgh"
RO = "ghs_CLIreadonlyTOKEN0123456789abcde"
BAD = "ghp_CLIunknownTOKEN0123456789abcdef"


@pytest.fixture
def github() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(
        {TOKEN: Identity("octocat"), RO: Identity("github-actions[bot]", bot=True, read_only=True)}
    ) as gh:
        yield gh


@pytest.fixture
def job(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An Actions job for pull request 12 of octo/apps, run from ``tmp_path``."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    for name, value in {
        "GITHUB_REPOSITORY": "octo/apps",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RAGOPS_GITHUB_MAX_WAIT_S": "0",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_RUN_ID", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("## app a\n\nhit@5 0.80 → 0.84\n")
    (tmp_path / "b.md").write_text("## app b\n\nno change\n")
    return tmp_path


def test_posts_then_updates_one_comment(job: Path, github: GitHubEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["comment", "a.md", "b.md"]) == 0
    assert "created https://github.com/octo/apps/pull/12#issuecomment-" in capsys.readouterr().out
    (job / "a.md").write_text("## app a\n\nhit@5 0.80 → 0.90\n")
    assert main(["comment", "a.md", "b.md", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    [comment] = github.comments("octo", "apps", 12)
    assert result["action"] == "updated" and result["comment_id"] == comment["id"]
    assert comment["body"].startswith("<!-- ragops:metric-diff -->\n## app a\n\nhit@5 0.80 → 0.90")
    assert (job / ".ragops" / "comment.md").read_text() == comment["body"]


def test_markers_keep_kinds_of_comment_apart(job: Path, github: GitHubEmulator) -> None:
    assert main(["comment", "a.md"]) == 0
    assert main(["comment", "b.md", "--marker", "validation"]) == 0
    assert main(["comment", "a.md", "--marker", "validation", "--pr", "12", "--repo", "octo/apps"]) == 0
    bodies = [c["body"] for c in github.comments("octo", "apps", 12)]
    assert bodies == [
        "<!-- ragops:metric-diff -->\n## app a\n\nhit@5 0.80 → 0.84\n",
        "<!-- ragops:validation -->\n## app a\n\nhit@5 0.80 → 0.84\n",
    ]


def test_stdin_and_flags_override_the_environment(
    job: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_TOKEN", TOKEN)
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("from stdin\n"))
    code = main(
        [
            "comment",
            "-",
            "--repo",
            "octo/other",
            "--pr",
            "3",
            "--token-env",
            "MY_TOKEN",
            "--api-url",
            github.url,
            "--out",
            "x/comment.md",
        ]
    )
    assert code == 0
    assert github.comments("octo", "other", 3)[0]["body"] == "<!-- ragops:metric-diff -->\nfrom stdin\n"
    assert (job / "x" / "comment.md").exists()


def test_a_fork_pull_request_writes_the_summary_and_succeeds(
    job: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", RO)
    assert main(["comment", "a.md", "--out", "report/comment.md"]) == 0
    out = capsys.readouterr().out
    assert "not posted (the token may not comment (Resource not accessible by integration)" in out
    assert f"the job summary ({job / 'summary.md'})" in out and "`report/comment.md`" in out
    assert "hit@5 0.80 → 0.84" in (job / "summary.md").read_text()
    assert github.comments("octo", "apps", 12) == []


def test_a_local_run_without_token_succeeds(
    job: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name)
    assert main(["comment", "a.md"]) == 0
    assert "not posted (no token: $GITHUB_TOKEN is not set); the markdown is in `.ragops/comment.md`" in (
        capsys.readouterr().out
    )
    assert (job / ".ragops" / "comment.md").exists()


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"GITHUB_TOKEN": TOKEN}, 0),
        ({"GITHUB_TOKEN": RO}, 0),
        ({"GITHUB_TOKEN": BAD}, 3),
        ({"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "unreachable"}, 3),
    ],
    ids=["ok", "read-only", "unknown token", "unreachable"],
)
def test_the_token_never_appears_in_any_output(
    job: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], setup: dict[str, str], code: int
) -> None:
    for name, value in setup.items():
        if value == "unreachable":
            value = f"http://127.0.0.1:{free_loopback_port()}"
        monkeypatch.setenv(name, value)
    assert main(["comment", "a.md"]) == code
    captured = capsys.readouterr()
    for token in (TOKEN, RO, BAD):
        assert token not in captured.out and token not in captured.err
        assert token not in (job / ".ragops" / "comment.md").read_text()
    if code == 3:
        assert "ragops: error:" in captured.err and "Traceback" not in captured.err


def test_a_missing_file_is_a_usage_error(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["comment", "nope.md"]) == 2
    assert "nope.md: no such markdown file" in capsys.readouterr().err


def test_a_bad_marker_is_a_usage_error(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["comment", "a.md", "--marker", "no spaces please"]) == 2
    assert "marker 'no spaces please'" in capsys.readouterr().err
