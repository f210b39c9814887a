"""Evidence retrieval: BM25 over a corpus's chunks (top 5 per fact) and the passages an answer was given."""

from __future__ import annotations

from ragops.evaluation.factscore.evidence import CorpusEvidence, Passage
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction
from ragops.rag.chunking import Chunk
from ragops.rag.text_index import TextIndex

TEXTS = {
    "c0": ("bats", "Horseshoe bats are a natural reservoir of coronaviruses."),
    "c1": ("bats", "Bats roost in caves."),
    "c2": ("incubation", "The incubation period of COVID-19 is about five days."),
    "c3": ("masks", "Masks reduce droplet transmission."),
    "c4": ("drugs", "Remdesivir is an antiviral drug."),
    "c5": ("camels", "Camels carry MERS coronavirus."),
    "c6": ("vaccines", "Vaccines train the immune system."),
}


def _evidence() -> CorpusEvidence:
    chunks = [Chunk(cid, doc, 0, len(text), text) for cid, (doc, text) in TEXTS.items()]
    return CorpusEvidence(chunks, TextIndex.build([c.text for c in chunks]))


def _ids(passages: list[Passage]) -> list[str]:
    return [p.chunk_id for p in passages]


def test_passages_are_ranked_by_bm25_and_chunks_sharing_no_word_are_left_out() -> None:
    evidence = _evidence()
    # All four query words are in c0; only "bats" is in c1; no other chunk shares a word ("coronavirus" in c5 is
    # not "coronaviruses").
    found = evidence.search(["Horseshoe bats are a reservoir of coronaviruses."])
    assert _ids(found[0]) == ["c0", "c1"]
    # One shared word each: BM25's length normalisation ranks the shorter chunk (3 content words) above the
    # longer one (5 content words).
    assert _ids(evidence.search(["bats"])[0]) == ["c1", "c0"]
    assert found[0][0] == Passage("c0", "bats", TEXTS["c0"][1])


def test_at_most_five_passages_per_fact_and_one_list_per_fact() -> None:
    evidence = _evidence()
    found = evidence.search(["bats camels masks remdesivir vaccines incubation", "pangolins", "masks"])
    assert len(found[0]) == 5  # seven chunks share a word; the top 5 are kept
    assert found[1] == []
    assert _ids(found[2]) == ["c3"]
    assert evidence.search([]) == []


def _prediction(chunk_ids: list[str], context: str = "stored context") -> Prediction:
    return Prediction(
        id="q1",
        testset="t",
        question="?",
        answer="a",
        retrieved_doc_ids=[],
        chunks=[ChunkHit(chunk_id=c, doc_id="d", start=0, end=1, score=1.0) for c in chunk_ids],
        context=context,
        latency_ms=Latency(retrieve=1.0, generate=1.0),
    )


def test_the_given_passages_are_the_answers_chunks_in_rank_order() -> None:
    evidence = _evidence()
    assert _ids(evidence.given(_prediction(["c2", "c0"]))) == ["c2", "c0"]
    # A chunk the index does not hold (a prediction from another index): the stored context is the one passage.
    assert evidence.given(_prediction(["c2", "elsewhere"])) == [Passage("", "", "stored context")]
    assert evidence.given(_prediction([], context="  ")) == []
