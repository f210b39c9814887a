"""Personal data at ingest: each document's findings redacted, the document rejected, or only counted.

``apply_privacy`` runs between loading and chunking, on whole documents: a value is found and replaced before any
chunk boundary exists, so a value that a chunk boundary would have cut in two is redacted all the same, and no
chunk holds a piece of it. Chunk offsets then refer to the redacted text. ``TextRedactor`` is the same
replacement for one text (the service's logs and feedback use it).

What was found and done is a ``PrivacyOutcome`` (``ragops.rag.personal_data``).
"""

from __future__ import annotations

from collections import Counter

from ragops.config.privacy import PrivacySpec
from ragops.rag.documents import Document
from ragops.rag.personal_data import Finding, PersonalDataFinder, PrivacyOutcome


def placeholder(kind: str) -> str:
    """What a value of ``kind`` is replaced with: ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[IBAN]``, …"""
    return f"[{kind.upper()}]"


def redact(text: str, findings: list[Finding]) -> str:
    """``text`` with every finding (non-overlapping, in text order) replaced by its kind's placeholder."""
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts += [text[position : finding.start], placeholder(finding.kind)]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def apply_privacy(documents: list[Document], spec: PrivacySpec) -> tuple[list[Document], PrivacyOutcome]:
    """The documents to index under ``spec``, and what was found and done."""
    finder = PersonalDataFinder(spec)
    kept: list[Document] = []
    found: Counter[str] = Counter()
    with_findings = 0
    redacted = 0
    rejected: list[str] = []
    for document in documents:
        findings = finder.find(document.text)
        if not findings:
            kept.append(document)
            continue
        with_findings += 1
        found.update(finding.kind for finding in findings)
        if spec.action == "reject":
            rejected.append(document.id)
        elif spec.action == "redact":
            kept.append(Document(document.id, redact(document.text, findings), document.path))
            redacted += len(findings)
        else:
            kept.append(document)
    outcome = PrivacyOutcome(spec.action, dict(sorted(found.items())), with_findings, redacted, rejected)
    return kept, outcome


class TextRedactor:
    """Redacts single texts (a question, a comment) the way ingest redacts documents under ``spec``."""

    def __init__(self, spec: PrivacySpec) -> None:
        self.finder = PersonalDataFinder(spec)

    def __call__(self, text: str) -> str:
        return redact(text, self.finder.find(text))
