"""Benchmark: the cost of FActScore per answer on the covid-qa-llamacpp sample, for each variant.

The answers are the calibration set's (real SmolLM2-135M-Instruct answers of the sample app,
datasets/covid-qa/factscore-calibration/facts.jsonl); the evidence is the sample's own index (built or reused
under .ragops/index/). Two variants:

- offline lexical (rules-v1 facts, BM25 top-5, lexical-v1 verifier; both evidence kinds): one-off set-up (load
  the BM25 index, word weights) and milliseconds per answer; target <= 20 ms per answer (TARGET_LEXICAL_MS).
- LLM-verified (the reference method with the local model as the judge): requests and seconds per answer with
  an empty cache, then the same answers again: the cache hit rate (target 100 %) and seconds.

The LLM part needs a llama.cpp server: ``--base-url`` of a running one, else the benchmark starts one on loopback
(``make install-llm``); ``--llm-answers N`` sends the N shortest answers (default 2; 0 skips it): each fact's
check sends five 256-token passages, seconds per request on a quiet machine, minutes on a loaded one. Besides
the measured figures it estimates the cost of the set's average answer from them.
Run: ``.venv/bin/python bench/bench_factscore.py [--base-url URL] [--llm-answers N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from measures import print_measures

from ragops.app.index import ensure_index
from ragops.app.local_models import llama_server
from ragops.config.loader import load_app_config
from ragops.config.models import JudgeSpec
from ragops.evaluation.factscore import calibration
from ragops.evaluation.factscore.claims import claim_sentences
from ragops.evaluation.factscore.evidence import CorpusEvidence
from ragops.evaluation.factscore.family import lexical_verdicts, llm_verdicts, weights_of
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier
from ragops.evaluation.judge import Judge
from ragops.layout import index_dir
from ragops.rag.index import load_text_index

ROOT = Path(__file__).resolve().parents[1]
APP = "covid-qa-llamacpp"
SET = ROOT / "datasets" / "covid-qa" / "factscore-calibration" / "facts.jsonl"
TARGET_LEXICAL_MS = 20.0
TARGET_HIT_RATE = 1.0
MODEL = "SmolLM2-135M-Instruct"


@contextmanager
def _server(base_url: str | None) -> Iterator[str]:
    if base_url:
        yield base_url
        return
    with tempfile.TemporaryDirectory() as log_dir, llama_server(MODEL, Path(log_dir)) as server:
        yield server.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="a running llama.cpp server (default: start one)")
    parser.add_argument("--llm-answers", type=int, default=2, help="answers sent to the LLM (0: skip)")
    args = parser.parse_args()

    config = load_app_config(ROOT / "rag-configs" / f"{APP}.yaml", ROOT)
    folder = index_dir(ROOT, APP)
    ensure_index(config, ROOT, folder)
    predictions = [a.prediction() for a in calibration.load(SET)]

    started = time.perf_counter()
    chunks, text = load_text_index(folder)
    evidence = CorpusEvidence(chunks, text)
    verifier = LexicalVerifier(weights_of(evidence))
    setup_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    verdicts = lexical_verdicts(predictions, evidence, verifier)
    lexical_ms = (time.perf_counter() - started) * 1000 / len(predictions)
    # CPU time as well: on a shared, loaded machine wall time measures the neighbours more than this code.
    lexical_cpu_ms = (time.process_time() - cpu) * 1000 / len(predictions)
    facts = sum(len(v.facts) for v in verdicts.values())
    rows = [
        ("app", APP),
        ("answers", str(len(predictions))),
        ("corpus chunks", str(len(chunks))),
        ("lexical: facts per answer", f"{facts / len(predictions):.1f}"),
        ("lexical: one-off set-up (s)", f"{setup_s:.2f}"),
        (
            "lexical: per answer (ms)",
            f"{lexical_ms:.1f} ({'within' if lexical_ms <= TARGET_LEXICAL_MS else 'OVER'} the "
            f"{TARGET_LEXICAL_MS:.0f} ms target)",
        ),
        ("lexical: CPU per answer (ms)", f"{lexical_cpu_ms:.1f}"),
    ]
    if args.llm_answers > 0 and not args.base_url and importlib.util.find_spec("llama_cpp") is None:
        rows.append(("llm", "skipped: no --base-url and no llama.cpp here (make install-llm)"))
    elif args.llm_answers > 0:
        # The shortest answers that state something: the LLM part costs minutes per request on a loaded machine,
        # and per-request and per-fact figures do not depend on which answers are sent.
        stating = [p for p in predictions if claim_sentences(p.answer)]
        chosen = sorted(stating, key=lambda p: (len(claim_sentences(p.answer)), len(p.answer), p.id))[
            : args.llm_answers
        ]
        with _server(args.base_url) as base_url, tempfile.TemporaryDirectory() as cache:
            spec = JudgeSpec(model=MODEL, base_url=base_url, prompt_version="v1", factscore=True)
            cold = Judge(spec, Path(cache))
            started = time.perf_counter()
            found = llm_verdicts(chosen, evidence, cold)
            cold_s = time.perf_counter() - started
            warm = Judge(spec, Path(cache))
            started = time.perf_counter()
            llm_verdicts(chosen, evidence, warm)
            warm_s = time.perf_counter() - started
        hit_rate = warm.cache_hits / warm.requests if warm.requests else 1.0
        sentences = sum(len(claim_sentences(p.answer)) for p in chosen)
        llm_facts = sum(len(v.facts) for v in found.values())
        per_request = cold_s / cold.requests if cold.requests else 0.0
        # An average answer of the set: one decomposition request per sentence, two checks per fact (corpus and
        # given passages), at this run's facts per sentence and seconds per request.
        average_sentences = statistics.fmean(len(claim_sentences(p.answer)) for p in stating)
        average_requests = average_sentences * (1 + 2 * llm_facts / max(sentences, 1))
        rows += [
            ("llm: answers sent (shortest first)", f"{len(chosen)} ({sentences} sentences, {llm_facts} facts)"),
            ("llm: requests per answer", f"{cold.requests / len(chosen):.1f}"),
            ("llm: seconds per request, empty cache", f"{per_request:.1f}"),
            ("llm: seconds per answer, empty cache", f"{cold_s / len(chosen):.1f}"),
            (
                "llm: estimated for the set's average answer",
                f"{average_requests:.1f} requests, {average_requests * per_request:.0f} s "
                f"({average_sentences:.1f} sentences)",
            ),
            (
                "llm: cache hit rate on the re-run",
                f"{100 * hit_rate:.1f} % ({'at' if hit_rate >= TARGET_HIT_RATE else 'BELOW'} the 100 % target)",
            ),
            ("llm: seconds per answer, re-run", f"{warm_s / len(chosen):.3f}"),
        ]
    print_measures(rows)


if __name__ == "__main__":
    main()
