"""``ragops sweep``'s command line: grids from --set and --or, a /sweep comment read as the same options and
nothing else, and usage errors with their exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.cli.main import build_parser, main
from ragops.cli.sweep import comment_arguments
from ragops.errors import UsageError
from tests.conftest import REPO_ROOT


def test_set_builds_a_grid_and_or_starts_another() -> None:
    args = build_parser().parse_args(
        [
            "sweep",
            "c.yaml",
            "--set",
            "mode=vector,text",
            "--or",
            "--set",
            "fusion.k=5,20",
            "--set",
            "fusion.text_weight=1",
        ]
    )
    assert args.grids == [["mode=vector,text"], ["fusion.k=5,20", "fusion.text_weight=1"]]
    assert build_parser().parse_args(["sweep", "c.yaml"]).grids is None


def test_a_comment_gives_config_and_search_options_only() -> None:
    found = comment_arguments(
        "Let us try fusion.\n/sweep rag-configs/covid-qa.yaml --set fusion.k=5,20 --or --set 'retrieval.mode=text' "
        "--budget 4 --metric mrr@5\nthanks"
    )
    assert found.config == Path("rag-configs/covid-qa.yaml")
    assert found.grids == [["fusion.k=5,20"], ["retrieval.mode=text"]]
    assert (found.budget, found.metric, found.seed) == (4, "mrr@5", 0)
    with pytest.raises(UsageError, match=r"takes CONFIG and --set.* only, not --write"):
        comment_arguments("/sweep rag-configs/x.yaml --set top_k=3 --write")
    with pytest.raises(UsageError, match=r"not --out /etc/passwd"):
        comment_arguments("/sweep rag-configs/x.yaml --set top_k=3 --out /etc/passwd")
    with pytest.raises(UsageError, match="no line starts with /sweep"):
        comment_arguments("please sweep")
    with pytest.raises(UsageError, match="cannot read"):
        comment_arguments("/sweep rag-configs/x.yaml --set 'unclosed")


def test_usage_errors_exit_2_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    config = str(REPO_ROOT / "rag-configs" / "hotpotqa.yaml")
    assert main(["sweep", config, "--set", "fusion.kk=5"]) == 2
    assert "fusion.kk is not a config setting: did you mean retrieval.fusion.k" in capsys.readouterr().err
    assert main(["sweep", config]) == 2
    assert "nothing to try" in capsys.readouterr().err
    assert main(["sweep", config, "--set", "top_k=3", "--metric", "hit_rate@7"]) == 2
    assert "--metric hit_rate@7: the app does not report it" in capsys.readouterr().err
    assert main(["sweep", "--comment", "/sweep rag-configs/x.yaml --set top_k=3", config]) == 2
    assert "do not give them on the command line too" in capsys.readouterr().err
    assert main(["sweep", config, "--set", "top_k=3", "--confirm-fraction", "1.5"]) == 2
