"""``ragops index`` and ``ragops query`` on real COVID-QA documents copied to a scratch repository.

A second run embeds nothing; touching one document re-embeds only that document's changed chunks, and the
command's output says so. The sample's files under datasets/ are never modified.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ragops.cli.main import main
from ragops.rag.index import load_index
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e
DOCS = ("covidqa-630", "covidqa-1545", "covidqa-1546", "covidqa-1547")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "rag-configs").mkdir()
    shutil.copy(REPO_ROOT / "rag-configs" / "covid-qa.yaml", tmp_path / "rag-configs")
    docs = tmp_path / "datasets" / "covid-qa" / "docs"
    docs.mkdir(parents=True)
    for doc_id in DOCS:
        shutil.copy(REPO_ROOT / "datasets" / "covid-qa" / "docs" / f"{doc_id}.txt", docs)
    testsets = docs.parent / "testsets"
    testsets.mkdir()
    lines = (REPO_ROOT / "datasets" / "covid-qa" / "testsets" / "covid-qa.jsonl").read_text(encoding="utf-8")
    kept = [line for line in lines.splitlines() if any(f'"{d}"' in line for d in DOCS)]
    (testsets / "covid-qa.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return tmp_path


def _index(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, int, int]:
    assert main(["index", str(repo / "rag-configs" / "covid-qa.yaml")]) == 0
    out = capsys.readouterr().out
    match = re.search(r"chunks:\s+(\d+) \(embedded (\d+), reused (\d+)\)", out)
    assert match, out
    return out, int(match.group(2)), int(match.group(3))


def test_reindex_embeds_only_what_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, embedded, reused = _index(repo, capsys)
    assert "index built" in out and embedded > 40 and reused == 0
    index_dir = repo / ".ragops" / "index" / "covid-qa"
    before = {c.text for c in load_index(index_dir).chunks}

    out, embedded, reused = _index(repo, capsys)
    assert "index reused" in out and embedded == 0

    touched = repo / "datasets" / "covid-qa" / "docs" / "covidqa-1546.txt"
    touched.write_text(touched.read_text(encoding="utf-8") + "\nAn erratum was published later.\n", "utf-8")
    out, embedded, reused = _index(repo, capsys)
    changed = [c for c in load_index(index_dir).chunks if c.text not in before]
    assert {c.doc_id for c in changed} == {"covidqa-1546"}
    assert embedded == len(changed) >= 1
    assert reused == len(load_index(index_dir).chunks) - embedded


def test_query_prints_answer_sources_and_scored_hits(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    question = "What is the main cause of HIV-1 infection in children?"
    assert main(["query", str(repo / "rag-configs" / "covid-qa.yaml"), question]) == 0
    out = capsys.readouterr().out
    assert "sources: covidqa-630" in out
    assert re.search(r"^\s+1\.\s+\d+\.\d{4}\s+covidqa-630 \[\d+:\d+\]", out, re.MULTILINE), out
