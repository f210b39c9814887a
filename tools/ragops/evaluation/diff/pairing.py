"""Which questions a base and a head run share: the pairs the deltas are computed on, and the rest.

A question is paired when both runs have it under the same ``(test set, id)`` and its question text, reference
answers and gold evidence (documents and spans) are the same in both runs' copies of the test set. A conversation's
turn is a question like any other, paired by its ``<conversation>#<turn>`` id; it also needs the same history.
Added, removed and edited questions are kept apart: mixing them into the deltas would make adding hard questions
look like a regression. Tags do not count: re-labelling a question does not change what it measures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ragops.config.testset import QuestionRecord
from ragops.evaluation.diff.model import QuestionSetEntry
from ragops.evaluation.predictions import Prediction, by_key

Key = tuple[str, str]


@dataclass(frozen=True)
class Pairing:
    paired: list[Key]  # sorted
    added: list[QuestionSetEntry]
    removed: list[QuestionSetEntry]
    edited: list[QuestionSetEntry]

    @property
    def apart(self) -> list[QuestionSetEntry]:
        return sorted([*self.added, *self.removed, *self.edited], key=lambda e: (e.kind, e.testset, e.id))


def _records(testsets: Mapping[str, Sequence[QuestionRecord]]) -> dict[Key, QuestionRecord]:
    return {(name, record.id): record for name, records in testsets.items() for record in records}


def same_question(a: QuestionRecord, b: QuestionRecord) -> bool:
    """Same text, reference answers and gold evidence, and — for a conversation's turn — the same turns before
    it: a turn whose history was edited asks something else."""
    return (a.question, a.answers, a.gold_doc_ids, a.gold_spans, a.history) == (
        b.question,
        b.answers,
        b.gold_doc_ids,
        b.gold_spans,
        b.history,
    )


def pair(
    base: Sequence[Prediction],
    base_testsets: Mapping[str, Sequence[QuestionRecord]],
    head: Sequence[Prediction],
    head_testsets: Mapping[str, Sequence[QuestionRecord]],
) -> Pairing:
    """Pair the questions both runs answered; a question answered but missing from a run's test-set copy counts as
    that run's version being unknown, hence edited."""
    old, new = by_key(base), by_key(head)
    old_records, new_records = _records(base_testsets), _records(head_testsets)
    paired: list[Key] = []
    added: list[QuestionSetEntry] = []
    removed: list[QuestionSetEntry] = []
    edited: list[QuestionSetEntry] = []
    for key in sorted(old.keys() | new.keys()):
        testset, qid = key
        if key not in old:
            added.append(QuestionSetEntry(testset=testset, id=qid, kind="added", question=new[key].question))
        elif key not in new:
            removed.append(QuestionSetEntry(testset=testset, id=qid, kind="removed", question=old[key].question))
        else:
            a, b = old_records.get(key), new_records.get(key)
            if a is not None and b is not None and same_question(a, b):
                paired.append(key)
            else:
                edited.append(QuestionSetEntry(testset=testset, id=qid, kind="edited", question=new[key].question))
    return Pairing(paired, added, removed, edited)
