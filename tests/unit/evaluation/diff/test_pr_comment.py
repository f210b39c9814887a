"""The PR comment's layout is reviewed as a diff of its golden file (tests/fixtures/golden/pr-comment.md)."""

from __future__ import annotations

from tests.support.golden_comment import GOLDEN, render


def test_the_golden_comment_is_up_to_date() -> None:
    assert GOLDEN.is_file(), "no golden comment: run make golden"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert render() == expected, (
        f"the PR comment's rendering changed: run `make golden` to rewrite {GOLDEN.name}, then review and commit "
        "its diff"
    )


def test_the_golden_comment_shows_every_section() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    for part in (
        "**sample: FAIL**",
        "| Metric | Base | Head | Δ | 95% CI | p | Gate |",
        "Exploratory metrics",
        "Per-question changes",
        "**What changed:** config: 1 key(s) · documents: 1 added, 1 removed, 1 modified",
        "software: ragops code `34a70d6c` → `84bbe72c`",
        "Cost and latency",
        "regression 144% of base beyond max 50%",
        "[full report](https://example.com/report.html)",
    ):
        assert part in text, part
