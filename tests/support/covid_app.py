"""The COVID-QA sample app as shipped (rag-configs/covid-qa.yaml) on a fixed subset of its articles, indexed once per
test session in a temporary repository, for tests that serve real scientific text (the chat page's browser tests).

Fourteen articles, the gold documents of the test set's first 400 questions: the index builds in seconds rather than
the minutes the whole corpus takes on two cores, and every question the tests ask has its answer in it.
"""

from __future__ import annotations

import json
import shutil
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest

from ragops.cli.main import main
from tests.conftest import REPO_ROOT

APP = "covid-qa"
SAMPLE = REPO_ROOT / "datasets" / "covid-qa"
ARTICLES = (
    "covidqa-630",
    "covidqa-650",
    "covidqa-1546",
    "covidqa-1545",
    "covidqa-1552",
    "covidqa-1553",
    "covidqa-1557",
    "covidqa-1565",
    "covidqa-641",
    "covidqa-1547",
    "covidqa-1575",
    "covidqa-2585",
    "covidqa-1556",
    "covidqa-1569",
)


@dataclass(frozen=True)
class SampleApp:
    root: Path
    config: Path
    index: Path


def build_covid_app(tmp_path_factory: pytest.TempPathFactory) -> SampleApp:
    root = tmp_path_factory.mktemp("covid-repo")
    (root / "pyproject.toml").write_text("[project]\nname = 'covid-repo'\n")  # marks the repository root
    config = root / "rag-configs" / f"{APP}.yaml"
    config.parent.mkdir()
    shutil.copy(REPO_ROOT / "rag-configs" / f"{APP}.yaml", config)
    docs = root / "datasets" / APP / "docs"
    docs.mkdir(parents=True)
    for article in ARTICLES:
        shutil.copy(SAMPLE / "docs" / f"{article}.txt", docs)
    testsets = root / "datasets" / APP / "testsets"
    testsets.mkdir()
    kept = [
        line
        for line in (SAMPLE / "testsets" / f"{APP}.jsonl").read_text(encoding="utf-8").splitlines()
        if set(json.loads(line)["gold_doc_ids"]) <= set(ARTICLES)
    ]
    (testsets / f"{APP}.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with redirect_stdout(StringIO()):
        assert main(["index", str(config)]) == 0
    return SampleApp(root, config, root / ".ragops" / "index" / APP)


@pytest.fixture(scope="session")
def covid_app(tmp_path_factory: pytest.TempPathFactory) -> SampleApp:
    return build_covid_app(tmp_path_factory)
