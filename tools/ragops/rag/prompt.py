"""Rendering the QA prompt: numbered sources with their document ids, so an answer can cite them as [n]."""

from __future__ import annotations

import re

from ragops.config.models import PromptSpec
from ragops.errors import ValidationFailed
from ragops.rag.hits import Hit

_REFERENCE = re.compile(r"\[(\d+)\]")


def context_block(hits: list[Hit]) -> str:
    return "\n\n".join(f"[{hit.rank}] (source: {hit.doc_id})\n{hit.text}" for hit in hits)


def render_prompt(spec: PromptSpec, question: str, hits: list[Hit]) -> str:
    try:
        return spec.template.format_map({"context": context_block(hits), "question": question, "lang": spec.lang})
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationFailed(
            f"prompt.template cannot be filled ({exc!r}): use only {{context}}, {{question}} and {{lang}}, "
            "and write literal braces as {{ and }}"
        ) from exc


def numbered_references(answer: str) -> list[tuple[int, int, int]]:
    """(start, end, n) of each ``[n]`` in ``answer``: the sources it cites by their number in the prompt."""
    return [(m.start(), m.end(), int(m.group(1))) for m in _REFERENCE.finditer(answer)]


def cited_doc_ids(answer: str, hits: list[Hit]) -> list[str]:
    """Doc ids of the sources an answer refers to, as [n] or by their id, in order of first mention."""
    by_rank = {hit.rank: hit.doc_id for hit in hits}
    mentions = [(position, by_rank[n]) for position, _, n in numbered_references(answer) if n in by_rank]
    for doc_id in {hit.doc_id for hit in hits}:
        position = answer.find(doc_id)
        if position >= 0:
            mentions.append((position, doc_id))
    return list(dict.fromkeys(doc_id for _, doc_id in sorted(mentions)))
