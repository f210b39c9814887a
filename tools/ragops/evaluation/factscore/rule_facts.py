"""The offline atomic-fact splitter: deterministic rules, no model. Pinned as ``rules-v1``
(:data:`~ragops.evaluation.factscore.method.RULES_VERSION`).

From each checkable sentence (:func:`ragops.evaluation.factscore.claims.claim_sentences`):

1. **Coordinated clauses.** The sentence is cut at ``;`` and at ``, and`` / ``, but`` / ``, while`` /
   ``, whereas`` / ``, although`` / ``, though`` / ``, yet`` when both sides keep at least three content words
   and, after a conjunction, the words read as a clause: they start with a pronoun or hold an auxiliary or an
   -ed form (so a list's ", and other microorganisms" stays in the list). A clause's omitted subject is not
   restored.
2. **Enumerations.** In each clause, a list of at least three items (``a, b, and c`` or ``a, b or c``, each
   item at most four words and no verb) becomes one fact per item, each keeping the words before and after the
   list: "Symptoms include fever, cough and fatigue." gives "Symptoms include fever.", "Symptoms include cough."
   and "Symptoms include fatigue.". The first item starts after the last function word, verb or -ing form
   before the list ("include"), keeping "x of y" together; the last item ends before the next one ("are
   common"). A clause with brackets is not split into items (commas inside them make items ambiguous), nor one
   whose words before the list are only function words ("In Wuhan, the virus spread quickly and widely").
   Two-item coordination ("research and development") is left whole: without a parser it is too often a
   single name.
3. Facts are trimmed (no dangling "and" or punctuation), capitalised, end with a full stop, and repeats within an
   answer are dropped.

Any change to these rules is a new ``RULES_VERSION``: the version is recorded with every report (metric
metadata and ``metadata.models``), so values from two versions are never compared unknowingly.
"""

from __future__ import annotations

import re

from ragops.evaluation.factscore.claims import claim_sentences
from ragops.rag.lexical import words

_CLAUSE = re.compile(r"\s*;\s*|,\s+(?=(?:and|but|while|whereas|although|though|yet)\s)", re.IGNORECASE)
_CONJUNCTION = re.compile(r"^(?:and|but|while|whereas|although|though|yet)\s+", re.IGNORECASE)
_MIN_CLAUSE_WORDS = 3
_PRONOUNS = frozenset({"it", "they", "he", "she", "we", "this", "these", "those", "there", "its", "their"})
_MAX_ITEM_WORDS = 4
_VERBS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "will",
        "would",
        "include",
        "includes",
        "included",
        "including",
        "contain",
        "contains",
        "containing",
        "cause",
        "causes",
        "caused",
    ]
)
# Words an enumeration's first item cannot reach back over: function words and verbs.
_BOUNDARY = _VERBS | frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "if",
        "in",
        "into",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "with",
        "than",
        "between",
        "among",
        "via",
        "within",
        "like",
        "e.g.",
        "i.e.",
        "its",
        "his",
        "her",
        "our",
        "your",
        "which",
        "who",
        "whom",
        "whose",
        "against",
        "about",
        "after",
        "before",
        "during",
        "over",
        "under",
        "through",
        "without",
        "across",
        "towards",
        "toward",
        "around",
        "per",
        "versus",
    ]
)
_LIST_JOINER = re.compile(r"^(?:(?P<oxford>(?:and|or)\s+)|(?P<item>.+?)\s+(?:and|or)\s+)(?P<last>.+)$", re.IGNORECASE)


def _content(text: str) -> int:
    return len(words(text))


def _clause_like(text: str) -> bool:
    """Whether the words after a conjunction read as a clause: they start with a pronoun or hold a verb form
    (an auxiliary or a word ending in -ed). "and other microorganisms" is a list's last item, "and it spread" or
    "but transmission is limited" a clause."""
    tokens = [t.lower().strip(",.;:()\"'") for t in text.split()]
    return bool(tokens) and (tokens[0] in _PRONOUNS or any(t in _VERBS or t.endswith("ed") for t in tokens))


def clauses(sentence: str) -> list[str]:
    """The coordinated clauses of a sentence (rule 1)."""
    parts = [p.strip() for p in _CLAUSE.split(sentence.rstrip(". ")) if p.strip()]
    out: list[str] = []
    for part in parts:
        conjunction = _CONJUNCTION.match(part)
        rest = part[conjunction.end() :] if conjunction else part
        enough = out and _content(part) >= _MIN_CLAUSE_WORDS and _content(out[-1]) >= _MIN_CLAUSE_WORDS
        if enough and (conjunction is None or _clause_like(rest)):
            out.append(rest)
        elif out:
            out[-1] = f"{out[-1]}{'; ' if conjunction is None else ', '}{part}"
        else:
            out.append(part)
    return out


_ARTICLES = frozenset({"a", "an", "the"})


def _is_item(text: str) -> bool:
    """A list item: one to four words, an optional leading article, no verb, no function word but an inner "of"."""
    tokens = [t.lower() for t in text.split()]
    if tokens and tokens[0] in _ARTICLES:
        tokens = tokens[1:]
    if not 1 <= len(tokens) <= _MAX_ITEM_WORDS:
        return False
    inner = tokens[1:-1]
    return all(t not in _BOUNDARY or (t == "of" and t in inner) for t in tokens)


def _first_item(piece: str) -> tuple[str, str] | None:
    """(prefix, item): the item is the tail of ``piece`` after its last boundary word, keeping "x of y" whole
    and a leading article."""
    tokens = piece.split()
    start = len(tokens)
    while start > 0:
        word = tokens[start - 1].lower()
        inner_of = word == "of" and start >= 2 and tokens[start - 2].lower() not in _BOUNDARY and start < len(tokens)
        # A verb form ending in -ing ("eliminating viruses, bacteria and …") starts the list, like "include".
        if (word not in _BOUNDARY and not word.endswith("ing")) or inner_of:
            start -= 1
        else:
            break
    if 0 < start < len(tokens) and tokens[start - 1].lower() in _ARTICLES:
        start -= 1
    item = tokens[start:]
    if not _is_item(" ".join(item)):
        return None
    return " ".join(tokens[:start]), " ".join(item)


def _last_item(text: str) -> tuple[str, str] | None:
    """(item, suffix): the item runs to the first verb or function word, keeping "x of y" whole and a leading
    article."""
    tokens = text.split()
    end = 1 if tokens and tokens[0].lower() in _ARTICLES else 0
    while end < len(tokens):
        word = tokens[end].lower()
        if word == "of" and 0 < end < len(tokens) - 1 and tokens[end + 1].lower() not in _BOUNDARY:
            end += 1
        elif word in _BOUNDARY:
            break
        else:
            end += 1
    item = " ".join(tokens[:end])
    if not _is_item(item):
        return None
    return item, " ".join(tokens[end:])


def _prefix(text: str) -> bool:
    """Whether the words before a list can frame its items: none, or some besides function words ("In Wuhan, the
    virus spread quickly and widely" is an introductory phrase and a clause, not a list)."""
    tokens = text.lower().split()
    return not tokens or any(t not in _BOUNDARY for t in tokens)


def enumeration(clause: str) -> list[str] | None:
    """One sentence per item of the clause's first list of three or more items (rule 2), or None."""
    if "(" in clause or ")" in clause:
        return None  # commas inside brackets make items ambiguous; the clause stays one fact
    pieces = clause.split(", ")
    for j in range(1, len(pieces)):
        joined = _LIST_JOINER.match(pieces[j])
        if joined is None:
            continue
        i = j - 1
        while i > 0 and _is_item(pieces[i]):
            i -= 1
        middle = pieces[i + 1 : j]
        first = ("", pieces[0]) if i == 0 and _is_item(pieces[0]) else _first_item(pieces[i])
        if joined.group("item") is not None:
            middle = [*middle, joined.group("item")]
        last = _last_item(joined.group("last"))
        if first is None or last is None or not all(_is_item(p) for p in middle) or not _prefix(first[0]):
            continue
        prefix = ", ".join([*pieces[:i], first[0]]).strip(" ,")
        suffix = ", ".join([last[1], *pieces[j + 1 :]]).strip(" ,")
        items = [first[1], *middle, last[0]]
        return [" ".join(part for part in (prefix, item, suffix) if part) for item in items]
    return None


_DANGLING = re.compile(r"^(?:and|or|but)\s+|[\s,;:]+(?:and|or|but)?[\s,;:.]*$", re.IGNORECASE)


def _finish(text: str) -> str:
    """Trimmed (no dangling conjunction or punctuation at either end), capitalised, one closing full stop."""
    text = _DANGLING.sub("", text.strip(" ,;:")).rstrip(".")
    return text[:1].upper() + text[1:] + "."


def sentence_facts(sentence: str) -> list[str]:
    """The atomic facts of one checkable sentence (rules 1-3, without the answer-wide de-duplication)."""
    facts: list[str] = []
    for clause in clauses(sentence):
        facts.extend(_finish(f) for f in enumeration(clause) or [clause])
    return [f for f in facts if _content(f) >= 2]


def atomic_facts(answer: str) -> list[str]:
    """The answer's atomic facts, in order, without repeats; [] when it states nothing checkable (abstained)."""
    seen: set[str] = set()
    out: list[str] = []
    for sentence in claim_sentences(answer):
        for fact in sentence_facts(sentence):
            key = " ".join(fact.lower().split())
            if key not in seen:
                seen.add(key)
                out.append(fact)
    return out
