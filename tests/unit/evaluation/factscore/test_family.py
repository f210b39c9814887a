"""A run's FActScore entries: verdicts per answer, the values per question, the report's means (hand-computed),
the not-applicable case, and both families over a real index (the LLM's replies stored in its cache)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord
from ragops.evaluation.factscore import family, llm_facts, llm_verifier
from ragops.evaluation.factscore.claims import claim_sentences
from ragops.evaluation.factscore.evidence import CorpusEvidence
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier
from ragops.evaluation.factscore.method import LLM_FACTS_VERSION, LLM_VERIFY_VERSION, NOT_APPLICABLE, method
from ragops.evaluation.metrics import METRICS, factscore_name
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction
from ragops.evaluation.scoring import score
from ragops.rag.chunking import Chunk
from ragops.rag.index import build_index, load_text_index
from ragops.rag.text_index import TextIndex
from tests.support.judge_replies import closed_port_spec, store_reply

TEXTS = {
    "c0": ("bats", "Horseshoe bats are a natural reservoir of coronaviruses."),
    "c3": ("masks", "Masks reduce droplet transmission."),
    "c4": ("drugs", "Remdesivir is an antiviral drug."),
    "c5": ("camels", "Camels carry MERS coronavirus."),
}
ANSWERS = {
    # Facts: the bats sentence (in c0), the camels sentence (in c5, not in the given c0), and a claim about Ebola,
    # a name no passage holds.
    "q1": (
        "Horseshoe bats are a natural reservoir of coronaviruses. Camels carry MERS coronavirus. "
        "Remdesivir cures Ebola in pangolins.",
        ["c0"],
    ),
    "q2": ("I don't know.", ["c4"]),  # abstains
    "q3": ("Masks reduce droplet transmission.", ["c3"]),  # one supported fact
}


def _prediction(qid: str, answer: str, chunk_ids: list[str], doc_of: dict[str, str]) -> Prediction:
    return Prediction(
        id=qid,
        testset="t",
        question=f"question {qid}?",
        answer=answer,
        retrieved_doc_ids=list(dict.fromkeys(doc_of[c] for c in chunk_ids)),
        chunks=[ChunkHit(chunk_id=c, doc_id=doc_of[c], start=0, end=1, score=1.0) for c in chunk_ids],
        latency_ms=Latency(retrieve=1.0, generate=1.0),
    )


def _run() -> tuple[CorpusEvidence, list[Prediction], dict[str, list[QuestionRecord]]]:
    chunks = [Chunk(cid, doc, 0, len(text), text) for cid, (doc, text) in TEXTS.items()]
    evidence = CorpusEvidence(chunks, TextIndex.build([c.text for c in chunks]))
    doc_of = {cid: doc for cid, (doc, _) in TEXTS.items()}
    predictions = [_prediction(q, a, c, doc_of) for q, (a, c) in ANSWERS.items()]
    records = [QuestionRecord(id=q, question=f"question {q}?", answers=["x"], gold_doc_ids=["bats"]) for q in ANSWERS]
    return evidence, predictions, {"t": records}


def test_verdicts_per_fact_against_corpus_and_given_passages() -> None:
    evidence, predictions, _ = _run()
    verdicts = family.lexical_verdicts(predictions, evidence, LexicalVerifier(family.weights_of(evidence)))
    q1 = verdicts[("t", "q1")]
    assert len(q1.facts) == 3
    assert q1.corpus == (True, True, False)
    assert q1.context == (True, False, False)  # the answer was given only the bats passage
    assert verdicts[("t", "q2")] == family.Verdicts((), (), ())
    assert verdicts[("t", "q3")].corpus == verdicts[("t", "q3")].context == (True,)


def test_values_per_question_and_their_means_in_the_report() -> None:
    evidence, predictions, testsets = _run()
    verdicts = family.lexical_verdicts(predictions, evidence, LexicalVerifier(family.weights_of(evidence)))
    entries = family.entries("lexical", verdicts, "test method", "gate")
    scoring = score(predictions, testsets, [1], metrics=(*METRICS, *entries))
    q1 = math.exp(1 - 10 / 3)  # three facts: penalty e^(-7/3) = 0.0969803
    q3 = math.exp(1 - 10 / 1)  # one fact: e^-9
    expected = {
        "factscore_lexical": ((2 / 3) * q1 + q3) / 2,  # 0.0323885
        "factscore_lexical_unpenalized": (2 / 3 + 1) / 2,
        "factscore_lexical_context": ((1 / 3) * q1 + q3) / 2,
        "factscore_lexical_context_unpenalized": (1 / 3 + 1) / 2,
        "factscore_lexical_answered": 2 / 3,  # the abstention counts here, and only here
        "factscore_lexical_facts": 2.0,  # (3 + 1) / 2
    }
    for name, value in expected.items():
        assert scoring.metrics[name] == pytest.approx(value, abs=1e-6), name
    assert scoring.counts.scored["factscore_lexical"] == 2 and scoring.counts.scored["factscore_lexical_answered"] == 3
    info = scoring.metric_info["factscore_lexical"]
    assert (info.kind, info.role, info.direction) == ("grounding", "gate", "higher")
    assert info.description.startswith("FActScore, test method: ")
    abstained = next(p for p in scoring.predictions if p.id == "q2")
    assert abstained.metrics["factscore_lexical_answered"] == 0.0 and "factscore_lexical" not in abstained.metrics


def _app(tmp_path: Path, provider: str, judge: dict[str, object] | None = None) -> AppConfig:
    spec: dict[str, object] = {
        "data": {"corpus": "docs", "testsets": ["t.jsonl"]},
        "splitter": {"chunk_size": 32, "chunk_overlap": 4},
        "llm": {"provider": provider, "model": "m", "base_url": "http://127.0.0.1:9/v1"},
    }
    if judge is not None:
        spec["evaluation"] = {"judge": judge}
    return AppConfig.model_validate(
        {"apiVersion": "ragops.dev/v1", "kind": "RAGApp", "metadata": {"name": "a"}, "spec": spec}
    )


def test_not_applicable_to_the_extractive_generator(tmp_path: Path) -> None:
    config = _app(tmp_path, "extractive")
    # Nothing is computed (no index is even read) and nothing reported, rather than a FActScore of 1.0.
    assert family.factscore_metrics(config, [], tmp_path / "no-index", tmp_path / "cache") == ()
    assert method(config) == NOT_APPLICABLE


def test_both_families_over_a_real_index(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for doc, text in TEXTS.values():
        (docs / f"{doc}.txt").write_text(text, encoding="utf-8")
    spec = closed_port_spec(factscore=True)
    config = _app(tmp_path, "openai", spec.model_dump(mode="json"))
    build_index(config, docs, tmp_path / "index", tmp_path / "embeddings", root=tmp_path)
    chunks, text = load_text_index(tmp_path / "index")
    doc_of = {c.id: c.doc_id for c in chunks}
    by_doc = {c.doc_id: c.id for c in chunks}
    predictions = [
        _prediction(q, answer, [by_doc[TEXTS[c][0]] for c in given], doc_of) for q, (answer, given) in ANSWERS.items()
    ]
    # The judge's replies: every sentence is its own single fact, and every verdict is "True".
    evidence = CorpusEvidence(chunks, text)
    cache = tmp_path / "judge-cache"
    for p in predictions:
        facts = claim_sentences(p.answer)
        for fact in facts:
            messages = llm_facts.render(fact)
            store_reply(cache, spec, llm_facts.TASK, LLM_FACTS_VERSION, llm_facts.MAX_TOKENS, messages, f"- {fact}")
        for fact, passages in zip(facts, [*evidence.search(facts)], strict=True):
            for shown in (passages, evidence.given(p)):
                messages = llm_verifier.render(fact, shown)
                store_reply(
                    cache, spec, llm_verifier.TASK, LLM_VERIFY_VERSION, llm_verifier.MAX_TOKENS, messages, "True"
                )
    events: list[tuple[str, int, int]] = []
    entries = family.factscore_metrics(config, predictions, tmp_path / "index", cache, lambda *e: events.append(e))
    names = [e.name for e in entries]
    assert names[:6] == [
        factscore_name("lexical", m)
        for m in ("score", "unpenalized", "context", "context_unpenalized", "answered", "facts")
    ]
    assert names[6:] == [n.replace("lexical", "llm") for n in names[:6]]
    llm = {e.name: e for e in entries if e.name.startswith("factscore_llm")}
    assert all((e.info.kind, e.info.role) == ("judge", "advisory") for e in llm.values())
    assert "llm-facts-v1" in llm["factscore_llm"].info.description
    q1 = predictions[0]
    record = QuestionRecord(id="q1", question="?", answers=["x"], gold_doc_ids=["bats"])
    assert llm["factscore_llm_unpenalized"].compute(q1, record) == 1.0  # every stored verdict says True
    assert llm["factscore_llm_facts"].compute(q1, record) == 3.0
    assert events[-1] == (family.STAGE, 3, 3)
    assert "lexical: rules-v1" in method(config) and "llm: llm-facts-v1" in method(config)
