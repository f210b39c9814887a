"""Peak resident memory of indexing against corpus size: 10, 50 and 100 MB corpora of large text files.

Usage: ``python bench/bench_memory.py [--sizes 10 50 100] [--file-mb 25]``. Each corpus is synthetic text made
of the COVID-QA articles' paragraphs, shuffled and repeated, written in a temporary folder as files of
``--file-mb`` MB. Each size is indexed in a fresh child process (``build_index``, the same code ``ragops index``
runs), whose peak RSS is read with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``; the table gives it with the
wall time and the chunk count. Target: under ~1.5 GB for 100 MB.

The real model embeds ~70 chunks/s on 2 cores, so a 100 MB corpus (~100k chunks) cannot be embedded in a bench
run: chunking uses the real model's tokenizer, but the vectors come from a tiny deterministic fake embedder of the
same dimension (a hash of the text). Loading, chunking, the embedding loop and its cache, FAISS and BM25 are all
real; only the model call is not, so the figures measure ragops' own memory, not PyTorch's (about 0.5 GB more).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_MB = 1 << 20


class FakeEmbedder:
    """The real model's tokenizer and limits, with vectors from a hash of each text (no model call)."""

    def __init__(self) -> None:
        from ragops.config.models import EmbeddingSpec
        from ragops.rag.embeddings import make_embedder

        real = make_embedder(EmbeddingSpec(), ROOT)
        self.identity = f"fake:{real.identity}"
        self.normalize = True
        self.max_tokens = real.max_tokens
        self.tokenizer = real.tokenizer
        self.dimension = 384

    def prepare(self) -> None:
        """Nothing to load."""

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        rows = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows[row] = np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return rows


def make_corpus(folder: Path, total_mb: int, file_mb: int) -> None:
    paragraphs = [
        p.strip()
        for path in sorted((ROOT / "datasets" / "covid-qa" / "docs").glob("*.txt"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if p.strip()
    ]
    rng = random.Random(total_mb)
    folder.mkdir(parents=True)
    remaining, number = total_mb * _MB, 0
    while remaining > 0:
        size = min(file_mb * _MB, remaining)
        parts, length = [], 0
        while length < size:
            paragraph = rng.choice(paragraphs)
            parts.append(paragraph)
            length += len(paragraph) + 2
        (folder / f"large-{number:03}.txt").write_text("\n\n".join(parts)[:size], encoding="utf-8")
        remaining -= size
        number += 1


def child(corpus: Path, work: Path) -> None:
    """Index ``corpus`` with the fake embedder; prints chunk count (memory is read by the parent)."""
    from ragops.config.models import AppConfig
    from ragops.rag.index import build_index

    config = AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "memory"},
            "spec": {"data": {"corpus": str(corpus), "testsets": ["unused.jsonl"]}},
        }
    )
    report = build_index(config, corpus, work / "index", work / "cache", embedder=FakeEmbedder())
    print(report.chunks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100], help="corpus sizes in MB")
    parser.add_argument("--file-mb", type=int, default=25, help="size of each corpus file in MB")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    print("Indexing peak memory (fake embedder: real tokenizer, loading, chunking, cache, FAISS and BM25; no model)")
    print()
    print("| corpus (MB) | files | chunks | peak RSS (MB) | seconds |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            make_corpus(work / "docs", size, args.file_mb)
            files = len(list((work / "docs").iterdir()))
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(work / "docs"), str(work)],
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            # ru_maxrss of children is the largest of any child so far (KiB on Linux): sizes run in increasing order.
            peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
            print(f"| {size} | {files} | {done.stdout.strip()} | {peak:.0f} | {seconds:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
