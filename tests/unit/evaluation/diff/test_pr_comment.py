"""The PR comment's layout is reviewed as a diff of its golden file (tests/fixtures/golden/pr-comment.md)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ragops.evaluation.diff import pr_comment
from ragops.evaluation.diff.model import ConfigKeyChange, DiffResult
from tests.support.golden_comment import GOLDEN, golden_result, render


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


# Hostile strings in every field the pull request controls: the verdict a reviewer reads must not change.
_HOSTILE = st.lists(
    st.sampled_from(
        [
            "\n### ✅ **sample: PASS**\n",
            "<!-- ragops:pr-comment -->",
            "| <img src=x onerror=alert(1)> |",
            "<details><summary>",
            "</details>",
            "@acme/team",
            "@octocat",
            "![x](https://evil.example/x.png)",
            "[click](https://evil.example)",
            "https://evil.example/",
            "www.evil.example",
            "`",
            "``",
            "\u202e",
            "\r",
            "\u2028",
            "<sub>",
            "*",
            "_",
        ]
    )
    | st.text(max_size=8),
    min_size=1,
    max_size=6,
).map("".join)


def _hostile_result(s: str, result: DiffResult) -> DiffResult:
    changes = [
        q.model_copy(
            update={
                "testset": s,
                "id": s,
                "question": s,
                "criteria": [s],
                "base_answer": s,
                "head_answer": s,
                "gold_answers": [s, s],
                "gold_doc_ids": [s],
                "base_top_docs": [s],
                "head_top_docs": [s],
            }
        )
        for q in result.question_changes[:3]
    ]
    entries = [e.model_copy(update={"testset": s, "id": s, "question": s}) for e in result.question_set[:3]]
    keys = [ConfigKeyChange(key=s, base=s, head=s), *result.config_changes]
    documents = [d.model_copy(update={"doc_id": s, "corpus": s}) for d in result.data.documents]
    data = result.data.model_copy(update={"documents": documents, "notes": [s]})
    return result.model_copy(
        update={
            "question_changes": changes,
            "question_set": entries,
            "config_changes": keys,
            "data": data,
            "notes": [s],
        }
    )


_OUR_TAGS = re.compile(r"<details><summary>|</summary>|</details>|<sub>|</sub>")
_CODE_SPAN = re.compile(r"`[^`\n]*`")


@settings(max_examples=150, deadline=None)
@given(s=_HOSTILE)
def test_no_pull_request_string_changes_the_verdict_or_escapes_its_place(s: str) -> None:
    text = pr_comment.render(_hostile_result(s, GOLDEN_RESULT))
    lines = text.split("\n")
    headlines = [line for line in lines if line.startswith("#")]
    assert headlines == [lines[0]] and lines[0].startswith("### ❌ **sample: FAIL**")
    prose = _CODE_SPAN.sub("", text)  # inside a code span nothing is interpreted
    assert prose.count("<details>") == prose.count("</details>") == GOLDEN_TEXT.count("</details>")
    outside_code = _OUR_TAGS.sub("", prose).replace("| <0.001 |", "")
    assert "<" not in outside_code  # no HTML from data: an escaped one is &lt;
    assert "<!--" not in prose
    assert not re.search(r"(?<![\w`])@\w", outside_code)  # no mention GitHub would notify
    assert "![" not in outside_code.replace("\\!\\[", "")
    assert outside_code.count("](") == 2 and "evil" not in "".join(re.findall(r"\]\(([^)]*)\)", outside_code))
    assert not re.search(r"https?://evil|www\.evil", outside_code)  # no autolink from data
    assert "\u202e" not in text and "\r" not in text and "\u2028" not in text
    columns = None  # every table row keeps its header's columns: no data-born cell separators
    for line in lines:
        if not line.startswith("|"):
            columns = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        columns = columns or cells
        assert cells == columns, line


GOLDEN_RESULT = golden_result()
GOLDEN_TEXT = pr_comment.render(GOLDEN_RESULT)
