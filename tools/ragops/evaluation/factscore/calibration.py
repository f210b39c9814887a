"""The calibration set: atomic facts of real answers, each labelled by a person reading its evidence, and how well
a verifier agrees with those labels.

The set is a JSONL file, one :class:`LabelledAnswer` per line, holding everything a verdict depends on (the
answer, its facts, each fact's evidence passages with their text), so checking a verifier against it needs no
index and no model. Two figures per verifier, as in the paper: the share of facts where it agrees with the label,
and the FActScore error — ``|estimated - labelled|`` of the set's FActScore (mean over answers), the paper's
"error rate" at the level of a set of answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ragops.errors import ValidationFailed
from ragops.evaluation.factscore.evidence import Passage
from ragops.evaluation.factscore.lexical_verifier import Weights
from ragops.evaluation.factscore.scores import SetScore, aggregate, score_answer
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction, distinct_doc_ids

Label = Literal["supported", "not_supported"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelledFact(_Frozen):
    fact: str = Field(min_length=1)
    evidence: list[str] = Field(description="Chunk ids of the fact's top-5 corpus passages, best first.")
    label: Label = Field(description="Whether the evidence passages support the fact, by the labelling rules.")
    note: str = Field("", description="Why, where the call was not obvious.")


class PassageText(_Frozen):
    doc_id: str
    text: str


class LabelledAnswer(_Frozen):
    testset: str
    id: str
    question: str
    answer: str
    context: list[str] = Field(description="Chunk ids of the passages the answer was given, in rank order.")
    passages: dict[str, PassageText] = Field(description="Chunk id → passage, for every id named above.")
    facts: list[LabelledFact]

    def passage(self, chunk_id: str) -> Passage:
        found = self.passages[chunk_id]
        return Passage(chunk_id, found.doc_id, found.text)

    def evidence(self, fact: LabelledFact) -> list[Passage]:
        return [self.passage(c) for c in fact.evidence]

    def prediction(self) -> Prediction:
        """The answer as the pipeline's prediction record (its given passages as retrieved chunks), to run the
        pipeline's own FActScore code on it."""
        hits = [ChunkHit(chunk_id=c, doc_id=self.passages[c].doc_id, start=0, end=0, score=0.0) for c in self.context]
        return Prediction(
            id=self.id,
            testset=self.testset,
            question=self.question,
            answer=self.answer,
            retrieved_doc_ids=distinct_doc_ids(hits),
            chunks=hits,
            latency_ms=Latency(retrieve=0.0, generate=0.0),
        )


def document_weights(docs: Path) -> Weights:
    """The lexical verifier's word weights from a folder of plain-text documents (``<doc id>.txt``): what the
    calibration figures are measured with. The pipeline counts the same words from the index's chunks."""
    return Weights.from_documents({p.stem: [p.read_text(encoding="utf-8")] for p in sorted(docs.glob("*.txt"))})


def load(path: Path) -> list[LabelledAnswer]:
    answers = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            answer = LabelledAnswer.model_validate_json(line)
        except ValidationError as exc:
            raise ValidationFailed(f"{path}:{number}: not a labelled answer: {exc}") from exc
        missing = {c for f in answer.facts for c in f.evidence} - set(answer.passages)
        if missing:
            raise ValidationFailed(f"{path}:{number}: evidence {sorted(missing)[0]} has no passage text")
        answers.append(answer)
    return answers


@dataclass(frozen=True)
class Agreement:
    """Verdicts against labels over all facts; "positive" is *not supported*, the error a verifier must catch."""

    facts: int
    agree: int
    labelled_unsupported: int
    caught: int  # labelled not supported, verdict not supported
    flagged: int  # verdict not supported

    @property
    def rate(self) -> float:
        return self.agree / self.facts if self.facts else 0.0

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa: agreement beyond what the two label rates give by chance (0: chance, 1: perfect)."""
        if not self.facts:
            return None
        label_no, verdict_no = self.labelled_unsupported / self.facts, self.flagged / self.facts
        chance = label_no * verdict_no + (1 - label_no) * (1 - verdict_no)
        return None if chance == 1 else (self.rate - chance) / (1 - chance)

    @property
    def unsupported_recall(self) -> float | None:
        return self.caught / self.labelled_unsupported if self.labelled_unsupported else None

    @property
    def unsupported_precision(self) -> float | None:
        return self.caught / self.flagged if self.flagged else None


def agreement(labels: Sequence[bool], verdicts: Sequence[bool]) -> Agreement:
    """``labels``/``verdicts``: True for supported, one per fact in the same order."""
    if len(labels) != len(verdicts):
        raise ValueError("one verdict per label")
    pairs = list(zip(labels, verdicts, strict=True))
    return Agreement(
        facts=len(pairs),
        agree=sum(1 for label, verdict in pairs if label == verdict),
        labelled_unsupported=sum(1 for label, _ in pairs if not label),
        caught=sum(1 for label, verdict in pairs if not label and not verdict),
        flagged=sum(1 for _, verdict in pairs if not verdict),
    )


@dataclass(frozen=True)
class Calibration:
    """One verifier on the set: fact-level agreement, and the set's FActScore by labels and by the verifier."""

    agreement: Agreement
    labelled: SetScore
    estimated: SetScore

    @property
    def error(self) -> float:
        """|estimated - labelled| FActScore (length-penalised, the headline number)."""
        return abs((self.estimated.score or 0.0) - (self.labelled.score or 0.0))

    @property
    def error_unpenalized(self) -> float:
        return abs((self.estimated.unpenalized or 0.0) - (self.labelled.unpenalized or 0.0))


Verify = Callable[[str, list[Passage]], bool]


def calibrate(answers: Sequence[LabelledAnswer], verify: Verify) -> Calibration:
    """Run ``verify`` on every labelled fact with its stored evidence and compare."""
    labelled = [[f.label == "supported" for f in a.facts] for a in answers]
    verdicts = [[verify(f.fact, a.evidence(f)) for f in a.facts] for a in answers]
    return Calibration(
        agreement=agreement([x for row in labelled for x in row], [x for row in verdicts for x in row]),
        labelled=aggregate([score_answer(row) for row in labelled]),
        estimated=aggregate([score_answer(row) for row in verdicts]),
    )
