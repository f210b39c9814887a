"""Test sets: JSONL files of questions with reference answers and gold evidence.

One JSON object per line. The field names are a public contract:
``id``, ``question``, ``answers`` (reference answers), ``gold_doc_ids`` (ids of the documents that hold the
evidence), and optionally ``gold_spans`` (character spans of the evidence inside those documents — the
answer span, or a supporting sentence) and ``tags`` (free labels used for per-tag breakdowns).

A line may instead be a **conversation**: ``id``, ``turns`` (two or more, each a question with reference answers
and/or gold documents) and ``tags``. Loading expands it into one :class:`TurnRecord` per turn, id
``<conversation id>#<turn>``, tagged ``turn:<n>``, carrying the turns before it as its history (their questions
and first reference answers: the evaluation conditions every turn on the reference history, so a turn's score
does not depend on how an earlier turn was answered). Everything downstream — scoring, the diff's pairing, the
gates — sees turns as questions. A turn written out alone (``conversation`` holding its history) is a line too:
that is how a run folder stores turns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ragops.config.diagnostics import Diagnostic
from ragops.config.pydantic_errors import diagnostics_from_validation_error
from ragops.config.suggest import did_you_mean

NonEmpty = Annotated[str, Field(min_length=1)]


class GoldSpan(BaseModel):
    """Evidence: ``document_text[start:end] == text`` in document ``doc_id``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: NonEmpty
    start: int = Field(ge=0)
    end: int = Field(ge=1)
    text: NonEmpty

    @model_validator(mode="after")
    def _consistent(self) -> GoldSpan:
        if self.end - self.start != len(self.text):
            raise ValueError(f"end - start is {self.end - self.start} but text has {len(self.text)} characters")
        return self


class QuestionRecord(BaseModel):
    """One test-set line."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="TestSetRecord")

    id: NonEmpty = Field(description="Unique within the test set; stable, so diffs can follow a question.")
    question: NonEmpty
    answers: list[NonEmpty] = Field(min_length=1, description="Reference answers; any one counts as correct.")
    gold_doc_ids: list[NonEmpty] = Field(min_length=1, description="Documents that hold the evidence.")
    gold_spans: list[GoldSpan] = Field(default_factory=list)
    tags: list[NonEmpty] = Field(default_factory=list)

    @property
    def history(self) -> tuple[PriorTurn, ...]:
        """The conversation before this question: empty for a question asked on its own."""
        return ()


class PriorTurn(BaseModel):
    """One earlier turn of a conversation, as the evaluation gives it to the standalone-question step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: NonEmpty
    answer: str = Field("", description="The turn's first reference answer; empty when it has none.")


class TurnOf(BaseModel):
    """Where a turn sits in its conversation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: NonEmpty = Field(description="The conversation's id.")
    turn: int = Field(ge=1, description="1 for the opening question.")
    history: list[PriorTurn] = Field(default_factory=list, description="The turns before this one, oldest first.")


def _some_gold(answers: list[str], gold_doc_ids: list[str], where: str) -> None:
    if not answers and not gold_doc_ids:
        raise ValueError(f"{where} needs reference answers, gold documents or both")


class TurnRecord(QuestionRecord):
    """One turn of a conversation as the evaluation scores it: a question with its history. Answers or gold
    documents may be missing (not both); the metrics that need the missing one skip the turn."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="ConversationTurnRecord")

    answers: list[NonEmpty] = Field(default_factory=list, description="Reference answers; may be empty.")
    gold_doc_ids: list[NonEmpty] = Field(default_factory=list, description="Gold documents; may be empty.")
    conversation: TurnOf

    @model_validator(mode="after")
    def _gold(self) -> TurnRecord:
        _some_gold(self.answers, self.gold_doc_ids, "a turn")
        return self

    @property
    def history(self) -> tuple[PriorTurn, ...]:
        return tuple(self.conversation.history)


class ConversationTurn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: NonEmpty
    answers: list[NonEmpty] = Field(default_factory=list, description="Reference answers; any one counts.")
    gold_doc_ids: list[NonEmpty] = Field(default_factory=list, description="Documents that hold the evidence.")
    gold_spans: list[GoldSpan] = Field(default_factory=list)
    tags: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _gold(self) -> ConversationTurn:
        _some_gold(self.answers, self.gold_doc_ids, "every turn")
        return self


class ConversationRecord(BaseModel):
    """A multi-turn test-set line: later questions lean on earlier ones ("Which team does he play for?")."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="TestSetConversation")

    id: NonEmpty = Field(description="Unique within the test set; its turns are <id>#1, <id>#2, …")
    turns: list[ConversationTurn] = Field(min_length=2, description="The questions in the order they are asked.")
    tags: list[NonEmpty] = Field(default_factory=list, description="Labels every turn carries.")

    def expand(self) -> list[TurnRecord]:
        """One record per turn, each with the turns before it (reference history) and the tag ``turn:<n>``."""
        records: list[TurnRecord] = []
        for number, turn in enumerate(self.turns, start=1):
            history = [
                PriorTurn(question=t.question, answer=t.answers[0] if t.answers else "")
                for t in self.turns[: number - 1]
            ]
            records.append(
                TurnRecord(
                    id=f"{self.id}#{number}",
                    question=turn.question,
                    answers=turn.answers,
                    gold_doc_ids=turn.gold_doc_ids,
                    gold_spans=turn.gold_spans,
                    tags=list(dict.fromkeys([*self.tags, *turn.tags, turn_tag(number)])),
                    conversation=TurnOf(id=self.id, turn=number, history=history),
                )
            )
        return records


def turn_tag(number: int) -> str:
    """The tag of a conversation's n-th turn: the report's per-turn breakdown is its tag breakdown."""
    return f"turn:{number}"


def _line_model(raw: dict[str, Any]) -> type[BaseModel]:
    if "turns" in raw:
        return ConversationRecord
    if "conversation" in raw:
        return TurnRecord
    return QuestionRecord


@dataclass
class LoadedTestSet:
    path: Path
    records: list[QuestionRecord] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # record id -> 1-based line
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def load_testset(path: Path, display: str) -> LoadedTestSet:
    """Read and check one JSONL test set. Never raises for bad content: problems come back as diagnostics."""
    result = LoadedTestSet(path=path)

    def error(line: int, column: int, code: str, message: str, fix: str) -> None:
        result.diagnostics.append(Diagnostic(display, line, column, code, message, fix))

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        error(1, 1, "encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})", "save the file as UTF-8")
        return result
    except OSError as exc:
        error(1, 1, "unreadable", f"cannot read the file: {exc.strerror or exc}", "check the path and permissions")
        return result
    for number, line in _numbered_lines(text):
        try:
            raw = json.loads(line, object_pairs_hook=_reject_duplicate_keys)
        except _DuplicateKey as exc:
            error(
                number,
                _column_of_key(line, exc.key),
                "duplicate-key",
                f"duplicate key '{exc.key}'",
                f"keep one '{exc.key}' in this record",
            )
            continue
        except (json.JSONDecodeError, RecursionError) as exc:
            column = exc.colno if isinstance(exc, json.JSONDecodeError) else 1
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            error(
                number, column, "jsonl-syntax", f"invalid JSON: {reason}", "each line must be one complete JSON object"
            )
            continue
        if not isinstance(raw, dict):
            error(
                number,
                1,
                "jsonl-syntax",
                f"expected a JSON object, got {type(raw).__name__}",
                'write one object per line: {"id": …, "question": …, "answers": […], "gold_doc_ids": […]}',
            )
            continue
        model = _line_model(raw)
        try:
            parsed = model.model_validate(raw)
        except ValidationError as exc:
            for found in diagnostics_from_validation_error(exc, model):
                column = _column_of_key(line, str(found.path[0])) if found.path else 1
                error(number, column, found.code, found.message, found.fix)
            continue
        records: list[QuestionRecord] = []
        if isinstance(parsed, ConversationRecord):
            records += parsed.expand()
        elif isinstance(parsed, QuestionRecord):
            records.append(parsed)
        taken = [r.id for r in records if r.id in result.lines]
        if taken:
            error(
                number,
                _column_of_key(line, "id"),
                "duplicate-id",
                f"question id '{taken[0]}' is already used on line {result.lines[taken[0]]}",
                "give every question and conversation its own id",
            )
            continue
        for record in records:
            result.lines[record.id] = number
            result.records.append(record)
    if not result.records and not result.diagnostics:
        error(
            1,
            1,
            "empty-testset",
            "the test set has no questions",
            "add at least one JSON line, or remove the test set from the configs that use it",
        )
    return result


def _column_of_key(line: str, key: str) -> int:
    found = line.find(json.dumps(key))
    return found + 1 if found >= 0 else 1


def check_against_corpus(loaded: LoadedTestSet, display: str, documents: dict[str, Path]) -> list[Diagnostic]:
    """Gold evidence must point into the corpus: unknown document ids and spans that do not match the text."""
    found: list[Diagnostic] = []
    texts: dict[str, str | None] = {}
    for record in loaded.records:
        line = loaded.lines[record.id]
        for doc in record.gold_doc_ids:
            if doc not in documents:
                found.append(
                    Diagnostic(
                        display,
                        line,
                        1,
                        "unknown-doc-id",
                        f"question '{record.id}': gold document '{doc}' is not in the corpus",
                        did_you_mean(doc, documents)
                        if len(documents) < 5000
                        else "use a document id: the file path under docs/ without the extension",
                    )
                )
        for span in record.gold_spans:
            if span.doc_id not in documents:
                continue
            if span.doc_id not in texts:
                texts[span.doc_id] = _plain_text(documents[span.doc_id])
            text = texts[span.doc_id]
            if text is not None and text[span.start : span.end] != span.text:
                found.append(
                    Diagnostic(
                        display,
                        line,
                        1,
                        "span-mismatch",
                        f"question '{record.id}': gold span {span.start}:{span.end} of "
                        f"'{span.doc_id}' does not read {span.text[:40]!r}",
                        "correct start/end so that document_text[start:end] == text",
                    )
                )
    return found


def _plain_text(path: Path) -> str | None:
    """Text of documents whose file content *is* their text; spans in other formats are not checked here."""
    if path.suffix.lower() not in {".txt", ".md", ".markdown"}:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
