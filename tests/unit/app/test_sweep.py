"""The sweep's use case around its evaluator: the honest split (the search never sees a held-out question, and
what happens on them cannot change what is selected), the single confirmation look, the patch and ``--write``,
and byte-identical output.

The evaluator here stands in for the KFP pipeline only: it splits the staged test sets with the pipeline's own
split step and scores synthetic answers with the real scorer into real run folders (top_k decides how often the
gold document is found). The pipeline itself runs in tests/e2e/test_sweep.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from ragops.app.sweep import SWEEP_JSON, SWEEP_MD, SWEEP_PATCH, SweepBackend, SweepOutcome, SweepRequest, sweep
from ragops.config.models import AppConfig
from ragops.errors import UsageError
from ragops.evaluation.predictions import Latency, Prediction
from ragops.evaluation.run_folder import RunFolder
from ragops.evaluation.split import Part, SplitSpec
from ragops.pipelines.evaluate import stage_data
from ragops.pipelines.objects import DataManifest
from ragops.pipelines.steps import read_testsets, split_step
from tests.conftest import REPO_ROOT
from tests.support.runs import contents

CONFIG = """\
# A toy app: how often retrieval finds the gold document depends on top_k alone.
apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: toy
spec:
  data:
    corpus: datasets/toy/docs
    testsets:
      - datasets/toy/testsets/toy.jsonl
  retrieval:
    top_k: 5  # tuned by hand
  llm:
    provider: extractive
  evaluation:
    k_values: [1, 5]
    gate:
      rules:
        - metric: hit_rate@5
          max_regression: 0.02
"""
# How often each top_k finds the gold document (a larger top_k finds what a smaller one does, and more): 8 is
# clearly better than 5, 3 worse, 6 the same.
HIT_RATE = {3: 0.35, 5: 0.55, 6: 0.55, 8: 0.9}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "datasets/toy/docs").mkdir(parents=True)
    (root / "datasets/toy/testsets").mkdir(parents=True)
    (root / "rag-configs").mkdir()
    (root / "datasets/toy/docs/d.txt").write_text("A document.", encoding="utf-8")
    records = [
        {"id": f"q{i:03d}", "question": f"Question {i}?", "answers": ["yes"], "gold_doc_ids": ["d"]} for i in range(120)
    ]
    (root / "datasets/toy/testsets/toy.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    (root / "rag-configs/toy.yaml").write_text(CONFIG, encoding="utf-8")
    return root


def _uniform(*parts: object) -> float:
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class FakePipeline:
    """Stages and splits like the pipeline and scores synthetic answers; remembers every evaluation it was asked
    for."""

    sabotage_held_out: bool = False  # top_k 8 misses every held-out question
    calls: list[tuple[Part, list[str], set[str]]] = field(default_factory=list)

    def factory(self, root: Path, base: AppConfig, split: SplitSpec, sweep_id: str, state: Path) -> SweepBackend:
        def run(settings: Sequence[tuple[str, AppConfig]], part: Part, folder: Path) -> None:
            manifest = DataManifest.model_validate_json(stage_data(base, root, state).testsets_manifest_json)
            shutil.rmtree(state / part, ignore_errors=True)
            split_step(manifest.entries[0].store, split.model_dump_json(), part, str(state / part))
            questions = read_testsets(state / part)
            self.calls.append((part, [sid for sid, _ in settings], {r.id for rs in questions.values() for r in rs}))
            for sid, config in settings:
                top_k = config.spec.retrieval.top_k
                predictions = []
                for name, records in questions.items():
                    for record in records:
                        hit = _uniform(record.id) < HIT_RATE[top_k]
                        if self.sabotage_held_out and part == "confirmation" and top_k == 8:
                            hit = False
                        predictions.append(
                            Prediction(
                                id=record.id,
                                testset=name,
                                question=record.question,
                                answer="yes",
                                retrieved_doc_ids=["d"] if hit else ["other"],
                                latency_ms=Latency(retrieve=1.0, generate=1.0),
                            )
                        )
                RunFolder(folder / sid).write(contents(predictions, questions, config))

        return run


def _sweep(repo: Path, fake: FakePipeline, out: str, *grids: list[str], write: bool = False) -> SweepOutcome:
    return sweep(
        repo / "rag-configs/toy.yaml",
        repo,
        SweepRequest(grids=[list(g) for g in grids]),
        out_dir=repo / "runs" / out,
        state_dir=repo / ".state",
        backend=fake.factory,
        write=write,
    )


def test_selection_never_sees_a_held_out_question(repo: Path) -> None:
    fake = FakePipeline()
    outcome = _sweep(repo, fake, "a", ["retrieval.top_k=3,6,8"])
    result = outcome.result
    held = {key.split("/", 1)[1] for key in result.split.confirmation_ids}
    assert result.split.tuning + result.split.confirmation == 120 and held

    (tuning_call, confirmation_call) = fake.calls
    part, ids, seen = tuning_call
    assert part == "tuning" and ids == ["current", "s1", "s2", "s3"]
    assert not seen & held and len(seen) == result.split.tuning
    # The one look at the held-out questions: the current config and the selected setting, nothing else.
    part, ids, seen = confirmation_call
    assert part == "confirmation" and ids == ["current", result.selected] and seen == held

    statuses = {s.id: s.status for s in result.settings}
    assert statuses == {"s1": "worse", "s2": "not-significant", "s3": "selected"}
    assert result.confirmation is not None and result.confirmation.questions == len(held)
    # The run folders the selection read hold tuning questions only.
    for setting in ("current", "s1", "s2", "s3"):
        predictions = RunFolder(outcome.out_dir / "tuning" / setting).read_predictions()
        assert {p.id for p in predictions}.isdisjoint(held)


def test_what_happens_on_held_out_questions_cannot_change_the_selection(repo: Path) -> None:
    honest = _sweep(repo, FakePipeline(), "honest", ["retrieval.top_k=3,6,8"]).result
    sabotaged_pipeline = FakePipeline(sabotage_held_out=True)
    sabotaged = _sweep(repo, sabotaged_pipeline, "sabotaged", ["retrieval.top_k=3,6,8"], write=True)
    result = sabotaged.result
    assert result.settings == honest.settings and result.selected == honest.selected == "s3"
    # The held-out look reports it: the selected setting is worse there, and --write refuses to apply it.
    assert result.confirmation.contradicted and not honest.confirmation.contradicted
    assert sabotaged.written is None and "contradict" in sabotaged.write_refused
    assert (repo / "rag-configs/toy.yaml").read_text(encoding="utf-8") == CONFIG


def test_write_applies_the_patch_and_reruns_are_byte_identical(repo: Path) -> None:
    first = _sweep(repo, FakePipeline(), "first", ["retrieval.top_k=3,6,8"])
    second = _sweep(repo, FakePipeline(), "second", ["retrieval.top_k=3,6,8"], write=True)
    for name in (SWEEP_JSON, SWEEP_MD, SWEEP_PATCH):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    patch = (second.out_dir / SWEEP_PATCH).read_text(encoding="utf-8")
    assert "-    top_k: 5  # tuned by hand\n+    top_k: 8  # tuned by hand\n" in patch
    assert second.written == repo / "rag-configs/toy.yaml"
    assert (repo / "rag-configs/toy.yaml").read_text(encoding="utf-8") == CONFIG.replace("top_k: 5", "top_k: 8")
    schema = json.loads((REPO_ROOT / "schemas" / "sweep-result.v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((second.out_dir / SWEEP_JSON).read_text(encoding="utf-8")), schema)
    report = (second.out_dir / SWEEP_MD).read_text(encoding="utf-8")
    assert report.startswith("### Sweep of `toy`: `retrieval.top_k=8` is better\n")
    assert "| **s3** | `retrieval.top_k=8` |" in report and "```diff" in report


def test_no_setting_better_is_an_answer_and_writes_nothing(repo: Path) -> None:
    outcome = _sweep(repo, FakePipeline(), "none", ["retrieval.top_k=3,6"], write=True)
    result = outcome.result
    assert result.selected is None and result.confirmation is None and result.patch == ""
    assert "no setting is significantly better" in outcome.write_refused
    assert "no setting is significantly better" in (outcome.out_dir / SWEEP_MD).read_text(encoding="utf-8")
    assert (repo / "rag-configs/toy.yaml").read_text(encoding="utf-8") == CONFIG


def test_points_that_are_the_current_config_or_invalid_are_skipped(repo: Path) -> None:
    outcome = _sweep(
        repo, FakePipeline(), "skips", ["retrieval.top_k=5,8"], ["splitter.chunk_size=32", "splitter.chunk_overlap=64"]
    )
    skipped = outcome.result.search.skipped
    assert skipped == [
        "retrieval.top_k=5: the current config",
        "splitter.chunk_size=32 splitter.chunk_overlap=64: chunk_overlap (64) must be smaller than chunk_size (32)",
    ]
    with pytest.raises(UsageError, match="nothing to try"):
        _sweep(repo, FakePipeline(), "nothing", ["retrieval.top_k=5"])
    with pytest.raises(UsageError, match=r"retrieval\.top_k=0: not a valid setting"):
        _sweep(repo, FakePipeline(), "bad", ["retrieval.top_k=0,8"])


def test_with_max_questions_the_split_holds_the_questions_the_settings_see(repo: Path) -> None:
    config = repo / "rag-configs/toy.yaml"
    config.write_text(CONFIG.replace("    k_values: [1, 5]\n", "    k_values: [1, 5]\n    max_questions: 60\n"))
    fake = FakePipeline()
    result = _sweep(repo, fake, "first-60", ["retrieval.top_k=3,8"]).result
    first = {f"q{i:03d}" for i in range(60)}
    held = {key.split("/", 1)[1] for key in result.split.confirmation_ids}
    assert result.split.tuning + result.split.confirmation == 60 and held < first
    (_part, _ids, tuning), (_part2, _ids2, confirmation) = fake.calls
    assert tuning | confirmation == first and confirmation == held
