"""Indexing and query speed on the COVID-QA sample, against the floor of a bare ``model.encode``.

Usage: ``python bench/bench_index.py [rag-configs/covid-qa.yaml] [--queries N]``. Prints a Markdown table:
chunks; cold index seconds (empty cache, model load included); raw ``model.encode`` seconds over the same chunk
texts with the same batch size (the floor: indexing is embedding-bound); their ratio (target <= 1.15); warm
re-index seconds (fresh index folder, every vector from the cache); an unchanged re-run (index reused); and
queries per second, one ``answer`` call at a time and in one ``answer_many`` batch. Other processes sharing the
CPU inflate wall-clock figures, so cold index and encode are also given in CPU seconds of this process (all its
threads), which contention disturbs far less; the ratios are the figures to compare across machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ragops.config.loader import load_app_config
from ragops.rag.embeddings import SentenceTransformerEmbedder, make_embedder
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    config = load_app_config(args.config, ROOT)
    testset = ROOT / config.spec.data.testsets[0]
    lines = testset.read_text(encoding="utf-8").splitlines()[: args.queries]
    questions = [json.loads(line)["question"] for line in lines]

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        started, started_cpu = time.perf_counter(), time.process_time()
        cold = build_index(config, ROOT / config.spec.data.corpus, work / "cold", work / "cache", root=ROOT)
        cold_s, cold_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        index = load_index(work / "cold")

        embedder = make_embedder(config.spec.embedding, ROOT)
        if not isinstance(embedder, SentenceTransformerEmbedder):
            print("the encode floor needs a sentence-transformers model", file=sys.stderr)
            return 2
        texts = [c.text for c in index.chunks]
        started, started_cpu = time.perf_counter(), time.process_time()
        embedder.encode(texts, config.spec.embedding.batch_size)
        floor_s, floor_cpu = time.perf_counter() - started, time.process_time() - started_cpu

        started = time.perf_counter()
        build_index(config, ROOT / config.spec.data.corpus, work / "warm", work / "cache", root=ROOT)
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        build_index(config, ROOT / config.spec.data.corpus, work / "warm", work / "cache", root=ROOT)
        rerun_s = time.perf_counter() - started

        engine = RagEngine(config, index, ROOT)
        engine.answer(questions[0])  # first call pays one-off costs (thread pools, lazy imports)
        started = time.perf_counter()
        for question in questions:
            engine.answer(question)
        single_qps = len(questions) / (time.perf_counter() - started)
        started = time.perf_counter()
        engine.answer_many(questions)
        batch_qps = len(questions) / (time.perf_counter() - started)

    rows = [
        ("documents", f"{cold.documents}"),
        ("chunks", f"{cold.chunks}"),
        ("cold index (s)", f"{cold_s:.1f}"),
        ("raw model.encode, same chunks (s)", f"{floor_s:.1f}"),
        ("cold / encode ratio, wall clock (target <= 1.15)", f"{cold_s / floor_s:.3f}"),
        ("cold index (CPU s)", f"{cold_cpu:.1f}"),
        ("raw model.encode, same chunks (CPU s)", f"{floor_cpu:.1f}"),
        ("cold / encode ratio, CPU time", f"{cold_cpu / floor_cpu:.3f}"),
        ("warm re-index, all vectors cached (s)", f"{warm_s:.2f}"),
        ("unchanged re-run, index reused (s)", f"{rerun_s:.2f}"),
        (
            f"queries/s, {len(questions)} one at a time ({config.spec.retrieval.mode}, {config.spec.llm.provider})",
            f"{single_qps:.1f}",
        ),
        (f"queries/s, {len(questions)} in one answer_many", f"{batch_qps:.1f}"),
    ]
    print(f"| {config.name} | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
