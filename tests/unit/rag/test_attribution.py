"""Which passage and sentence support each sentence of an answer."""

from __future__ import annotations

from ragops.rag.attribution import Reference, Span, attribute
from ragops.rag.hits import Hit

ALPHA = "Alpha was designed in 1998. The alpha protocol uses a five step handshake. Each step is acknowledged."
BETA = "Beta sorting has a quadratic worst case. Its average case is n log n."


def _hits() -> list[Hit]:
    return [
        Hit("c1", "alpha", 1, 0.9, 0, len(ALPHA), ALPHA),
        Hit("c2", "beta", 2, 0.5, 0, len(BETA), BETA),
    ]


def test_copied_sentences_point_at_their_passage_and_sentence() -> None:
    answer = "The alpha protocol uses a five step handshake. Beta sorting has a quadratic worst case."
    found = attribute(answer, _hits(), ["alpha", "beta"], numbered=False)
    first_end = answer.index(".") + 1
    assert found.references == [Reference(first_end, first_end, 0), Reference(len(answer), len(answer), 1)]
    start = ALPHA.index("The alpha")
    assert found.supporting == {0: [Span(start, ALPHA.index("handshake.") + len("handshake."))], 1: [Span(0, 40)]}
    assert BETA[0:40] == "Beta sorting has a quadratic worst case."


def test_only_cited_documents_are_referred_to_and_unsupported_sentences_get_no_marker() -> None:
    answer = "Beta sorting has a quadratic worst case. Nothing retrieved says anything about zebras."
    found = attribute(answer, _hits(), ["alpha"], numbered=False)  # beta is not cited: its sentence finds no support
    assert found.references == []
    assert attribute(answer, _hits(), ["beta"], numbered=False).references == [Reference(40, 40, 1)]


def test_references_the_answer_wrote_point_at_the_passage_of_that_rank() -> None:
    answer = "It uses a five step handshake [1]. Its worst case is quadratic [2]. See also [7]."
    found = attribute(answer, _hits(), ["alpha", "beta"], numbered=True)
    first = answer.index("[1]")
    second = answer.index("[2]")
    assert found.references == [Reference(first, first + 3, 0), Reference(second, second + 3, 1)]  # [7]: no such
    assert found.supporting[0] == [Span(ALPHA.index("The alpha"), ALPHA.index("handshake.") + len("handshake."))]
    assert found.supporting[1] == [Span(0, 40)]


def test_an_empty_answer_has_no_references() -> None:
    assert attribute("", _hits(), ["alpha"], numbered=True).references == []


def test_bracketed_numbers_copied_from_a_passage_are_not_citations() -> None:
    text = "IFITM5 is also known as BRIL [2]."
    hits = [Hit("c1", "paper", 1, 0.9, 0, len(text), text), *_hits()]
    found = attribute(text, hits, ["paper"], numbered=False)
    assert found.references == [Reference(len(text), len(text), 0)]  # not a reference to passage 2


def test_every_sentence_of_a_passage_the_answer_copies_is_supporting_in_order() -> None:
    answer = "Each step is acknowledged. Alpha was designed in 1998."
    found = attribute(answer, _hits(), ["alpha"], numbered=False)
    assert [r.hit for r in found.references] == [0, 0]
    assert found.supporting == {0: [Span(0, 27), Span(ALPHA.index("Each"), len(ALPHA))]}
