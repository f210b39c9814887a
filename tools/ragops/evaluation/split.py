"""A deterministic split of an app's questions into a tuning part and a confirmation part, by a hash of each
question's identity.

A question belongs to the confirmation part when ``sha256("<salt>\\0<test set>\\0<id>")``, read as a number in
[0, 1), is below the confirmation fraction. Its part depends on nothing but its own identity, the salt and the
fraction: not on the order of the file, nor on which other questions exist, so adding questions never moves the
others, and the same inputs give the same split on every machine. A sweep selects on the tuning part only and
looks at the confirmation part once, for the setting it selected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.config.testset import QuestionRecord
from ragops.hashing import canonical_sha256

Part = Literal["tuning", "confirmation"]
PARTS: tuple[Part, ...] = ("tuning", "confirmation")
DEFAULT_SALT = "ragops-sweep"
DEFAULT_CONFIRMATION_FRACTION = 0.3
_SCALE = float(1 << 64)


class SplitSpec(BaseModel):
    """How the questions are split: recorded with every sweep, so the split can be recomputed and checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    salt: str = Field(DEFAULT_SALT, min_length=1, description="Mixed into every question's hash.")
    confirmation_fraction: float = Field(
        DEFAULT_CONFIRMATION_FRACTION, gt=0.0, lt=1.0, description="Expected share of questions held out."
    )

    def digest(self) -> str:
        return canonical_sha256(self.model_dump(mode="json"))[:16]


def position(spec: SplitSpec, testset: str, question_id: str) -> float:
    """The question's place in [0, 1): its hash, read as a fraction."""
    digest = hashlib.sha256(f"{spec.salt}\0{testset}\0{question_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def part_of(spec: SplitSpec, testset: str, question_id: str) -> Part:
    return "confirmation" if position(spec, testset, question_id) < spec.confirmation_fraction else "tuning"


def select(
    testsets: Mapping[str, Sequence[QuestionRecord]], spec: SplitSpec, part: Part
) -> dict[str, list[QuestionRecord]]:
    """The questions of ``part``, per test set, in file order (a test set with none of them is left out)."""
    out: dict[str, list[QuestionRecord]] = {}
    for name, records in testsets.items():
        kept = [record for record in records if part_of(spec, name, record.id) == part]
        if kept:
            out[name] = kept
    return out


def part_digest(testsets_hash: str, spec: SplitSpec, part: Part) -> str:
    """A content key for one part of a set of test sets: it changes exactly when the part's questions can."""
    return canonical_sha256({"testsets": testsets_hash, "split": spec.model_dump(mode="json"), "part": part})[:16]
