"""The tuning/confirmation split: by question-id hash, so a question's part depends on nothing but its identity,
the salt and the fraction — not on the order of the file nor on which other questions exist."""

from __future__ import annotations

import json
from pathlib import Path

from ragops.config.testset import QuestionRecord
from ragops.evaluation.split import SplitSpec, part_digest, part_of, position, select
from ragops.pipelines.steps import read_testsets, split_step


def _records(n: int, prefix: str = "q") -> list[QuestionRecord]:
    return [
        QuestionRecord(id=f"{prefix}{i}", question=f"question {i}?", answers=["x"], gold_doc_ids=["d"])
        for i in range(n)
    ]


def test_the_split_is_a_pure_function_of_identity() -> None:
    spec = SplitSpec()
    records = _records(400)
    held = select({"a": records}, spec, "confirmation")["a"]
    # Reordered, or with questions added, every question keeps its part.
    shuffled = select({"a": list(reversed(records)) + _records(50, "new")}, spec, "confirmation")["a"]
    assert {r.id for r in held} == {r.id for r in shuffled if not r.id.startswith("new")}
    # The same id in another test set is another question.
    assert [part_of(spec, "a", f"q{i}") for i in range(50)] != [part_of(spec, "b", f"q{i}") for i in range(50)]
    # Close to the stated fraction, and the parts partition the questions.
    assert 0.25 < len(held) / 400 < 0.35
    tuning = select({"a": records}, spec, "tuning")["a"]
    assert {r.id for r in tuning} | {r.id for r in held} == {r.id for r in records}
    assert not {r.id for r in tuning} & {r.id for r in held}


def test_salt_and_fraction_change_the_split_and_its_digest() -> None:
    base, salted, wider = SplitSpec(), SplitSpec(salt="other"), SplitSpec(confirmation_fraction=0.5)
    ids = [f"q{i}" for i in range(200)]
    assert [part_of(base, "a", q) for q in ids] != [part_of(salted, "a", q) for q in ids]
    # A wider fraction only adds questions to the held-out part (positions do not move).
    assert all(part_of(wider, "a", q) == "confirmation" for q in ids if part_of(base, "a", q) == "confirmation")
    assert 0.0 <= position(base, "a", "q1") < 1.0
    digests = {part_digest("h", s, p) for s in (base, salted, wider) for p in ("tuning", "confirmation")}
    assert len(digests) == 6


def test_the_pipeline_step_copies_the_lines_of_one_part(tmp_path: Path) -> None:
    source, out = tmp_path / "testsets", tmp_path / "part"
    source.mkdir()
    lines = [json.dumps(r.model_dump(mode="json")) for r in _records(60)]
    (source / "t.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    spec = SplitSpec()
    kept = split_step(str(source), spec.model_dump_json(), "tuning", str(out))
    written = (out / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert kept == len(written) and set(written) <= set(lines)
    assert [r.id for r in read_testsets(out)["t"]] == [r.id for r in select(read_testsets(source), spec, "tuning")["t"]]
