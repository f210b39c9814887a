"""Cutting markdown to GitHub's limits: the note says how much is gone and where the rest is."""

from __future__ import annotations

from pathlib import Path

from ragops.github.body import compose, cut, marker_comment
from ragops.github.summary import append_step_summary


def test_text_that_fits_is_left_alone() -> None:
    assert cut("short\n", limit=100, where="x") == ("short\n", 0)


def test_a_cut_counts_what_was_left_out_and_closes_open_blocks() -> None:
    text = "<details>\n\n```\n" + "".join(f"line {i}\n" for i in range(5000))
    result, left = cut(text, limit=2000, where="`out.md`")
    assert len(result) <= 2000 and left > 0
    assert result.startswith(text[: len(text) - left].rstrip("\n"))
    assert result.count("```") == 2 and "</details>" in result
    assert f"{left:,} characters" in result and "`out.md`" in result


def test_a_cut_in_bytes_never_splits_a_character() -> None:
    result, left = cut("é" * 1000, limit=1000, where="x", measure="bytes")
    assert len(result.encode()) <= 1000 and left > 0 and "\ufffd" not in result


def test_compose_puts_the_marker_first_and_skips_empty_sections() -> None:
    marker = marker_comment("metric-diff")
    assert compose(["a\n", "  \n", "b"], marker) == "<!-- ragops:metric-diff -->\na\n\n---\n\nb\n"


def test_the_job_summary_stays_under_its_limit(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * 900)
    left = append_step_summary(summary, "y" * 500, where="`comment.md`", limit_bytes=1024)
    assert left > 0 and summary.stat().st_size <= 1024
    assert summary.read_text().startswith("x" * 900) and "`comment.md`" in summary.read_text()
