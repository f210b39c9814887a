"""An answer's checkable sentences: what both atomic-fact decomposers start from.

Deterministic rules, no model: citation markers, Markdown decoration and an answer label ("Answer:", "The
answer is:") are removed; the text is split into lines, then sentences (a full stop, ``!`` or ``?`` before
whitespace ends one, except after a known abbreviation or an initial); a last sentence cut off by the token
limit is dropped; and sentences that claim nothing about the world are dropped: questions, conversational filler
("Sure", "I hope this helps"), abstentions ("I don't know", "the context does not mention …") and fragments
with fewer than two content words or none but numbers ("2.5%" alone: without its question it states nothing
checkable). An answer
with no checkable sentence left has abstained.
"""

from __future__ import annotations

import re

from ragops.rag.lexical import words

# [1], [1, 2], [1-3]; "(source: covidqa-12)", as the sample prompts ask the model to cite.
_CITATION = re.compile(r"\s*\[\d+(?:\s*[-,;]\s*\d+)*\]|\s*\((?:sources?|doc(?:ument)?s?):[^)]*\)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_DECORATION = re.compile(r"[*_`#]+")
# The answer label some models repeat from the prompt ("Helpful Answer: …"): a prefix, not a claim.
_LABEL = re.compile(r"^(?:(?:helpful )?answer|the answer(?: to (?:this|the|your) question)? is)\s*:\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# A candidate sentence end: . ! ? (and closing quotes or brackets) followed by whitespace.
_END = re.compile(r"[.!?][\"')\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    [
        "e.g.",
        "i.e.",
        "al.",
        "etc.",
        "vs.",
        "fig.",
        "figs.",
        "approx.",
        "dr.",
        "mr.",
        "mrs.",
        "ms.",
        "no.",
        "nos.",
        "ref.",
        "refs.",
        "cf.",
        "ca.",
        "st.",
        "u.s.",
        "resp.",
    ]
)
_FILLER = re.compile(
    r"^(?:sure|here (?:is|are)|i hope|hope this|please|let me|feel free|thank you|thanks)(?=\W|$)",
    re.IGNORECASE,
)
_ABSTENTION = re.compile(
    r"\b(?:i (?:do not|don't|cannot|can't|am not able to|am unable to) (?:know|answer|say|find|determine|tell)|"
    r"i(?:'m| am) (?:sorry|not sure)|(?:is|are) not (?:mentioned|provided|stated|given|specified|available)|"
    r"(?:does|do) not (?:mention|provide|say|specify|state|contain)|no (?:information|mention) (?:about|on|of)|"
    r"cannot be (?:determined|answered))\b",
    re.IGNORECASE,
)
MIN_CONTENT_WORDS = 2
_CLOSED = re.compile(r"[.!?:][\"')\]]*$")


def clean(answer: str) -> list[str]:
    """The answer's lines with citation markers, list bullets, Markdown decoration and a leading "Answer:" label
    removed."""
    lines = []
    for line in answer.splitlines():
        text = _DECORATION.sub("", _BULLET.sub("", _CITATION.sub("", line)))
        text = _LABEL.sub("", _SPACES.sub(" ", text).strip())
        if text:
            lines.append(text)
    return lines


def _ends_abbreviation(text: str, end: int) -> bool:
    word = text[:end].rsplit(" ", 1)[-1].lower()
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 2 and word[0].isalpha() and word[0].upper() == text[end - 2]  # an initial: "J. Smith"


def split_sentences(line: str) -> list[str]:
    """The sentences of one cleaned line."""
    out: list[str] = []
    start = 0
    for match in _END.finditer(line):
        if match.group()[0] == "." and _ends_abbreviation(line, match.start() + 1):
            continue
        piece = line[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    rest = line[start:].strip()
    if rest:
        out.append(rest)
    return out


def is_claim(sentence: str) -> bool:
    """Whether a sentence states something checkable (see the module docstring for what does not)."""
    if sentence.rstrip().endswith("?"):
        return False
    if _FILLER.match(sentence) or _ABSTENTION.search(sentence):
        return False
    content = words(sentence)
    return len(content) >= MIN_CONTENT_WORDS and any(w.isalpha() for w in content)


def claim_sentences(answer: str) -> list[str]:
    """The checkable sentences of an answer, in order, without repeats (small models often repeat themselves).
    A last sentence that never ends, after others that do, was cut off by the generator's token limit: dropped."""
    sentences = [s for line in clean(answer) for s in split_sentences(line)]
    if len(sentences) > 1 and not _CLOSED.search(sentences[-1]):
        sentences.pop()
    seen: set[str] = set()
    out: list[str] = []
    for sentence in sentences:
        key = sentence.lower()
        if key not in seen and is_claim(sentence):
            seen.add(key)
            out.append(sentence)
    return out
