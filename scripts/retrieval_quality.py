"""Retrieval quality of the sample apps: hit@k and recall@k against gold document ids, per retrieval mode.

Usage: ``python scripts/retrieval_quality.py [rag-configs/<app>.yaml ...] [--limit N]`` (default: every config
in rag-configs/ whose test sets exist). Builds or reuses each app's index under .ragops/, then answers every
test-set question once per mode (vector, text, hybrid) with the app's own settings otherwise, and prints a
Markdown table. hit@k: a gold document is among the documents of the top k chunks; recall@k: the share of a
question's gold documents found there. Run it before and after a retrieval change to compare.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ragops.app.index import ensure_index
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord, load_testset
from ragops.layout import index_dir as default_index_dir
from ragops.rag.engine import RagEngine
from ragops.rag.index import load_index

ROOT = Path(__file__).resolve().parents[1]
MODES = ("vector", "text", "hybrid")


def with_mode(config: AppConfig, mode: str, top_k: int, fusion: dict[str, float]) -> AppConfig:
    retrieval = config.spec.retrieval.model_copy(
        update={"mode": mode, "top_k": top_k, "fusion": config.spec.retrieval.fusion.model_copy(update=fusion)}
    )
    llm = config.spec.llm.model_copy(update={"provider": "extractive"})
    return config.model_copy(update={"spec": config.spec.model_copy(update={"retrieval": retrieval, "llm": llm})})


def questions_of(config: AppConfig, limit: int | None) -> list[QuestionRecord]:
    records = [
        record for testset in config.spec.data.testsets for record in load_testset(ROOT / testset, testset).records
    ]
    return records[:limit] if limit else records


def scores(
    config: AppConfig, records: list[QuestionRecord], fusion: dict[str, float]
) -> dict[str, dict[int, tuple[float, float]]]:
    """mode → k → (hit@k, recall@k)."""
    ks = sorted(config.spec.evaluation.k_values)
    index_dir = default_index_dir(ROOT, config.name)
    ensure_index(config, ROOT, index_dir)
    index = load_index(index_dir)
    table: dict[str, dict[int, tuple[float, float]]] = {}
    for mode in MODES:
        engine = RagEngine(with_mode(config, mode, max(ks), fusion), index, ROOT)
        answers = engine.answer_many([r.question for r in records])
        table[mode] = {}
        for k in ks:
            hits = recall = 0.0
            for record, answer in zip(records, answers, strict=True):
                found = {h.doc_id for h in answer.hits[:k]} & set(record.gold_doc_ids)
                hits += bool(found)
                recall += len(found) / len(set(record.gold_doc_ids))
            table[mode][k] = (hits / len(records), recall / len(records))
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N questions of each app")
    parser.add_argument("--fusion-k", type=int, help="override retrieval.fusion.k, to try other settings")
    parser.add_argument("--text-weight", type=float, help="override retrieval.fusion.text_weight")
    args = parser.parse_args()
    overrides = {"k": args.fusion_k, "text_weight": args.text_weight}
    fusion = {key: value for key, value in overrides.items() if value is not None}
    configs = args.configs or sorted((ROOT / "rag-configs").glob("*.yaml"))
    for path in configs:
        config = load_app_config(path, ROOT)
        if not all((ROOT / t).is_file() for t in config.spec.data.testsets):
            continue
        records = questions_of(config, args.limit)
        table = scores(config, records, fusion)
        ks = sorted(config.spec.evaluation.k_values)
        settings = config.spec.retrieval.fusion.model_copy(update=fusion)
        print(
            f"\n### {config.name} ({len(records)} questions; hybrid = RRF k={settings.k}, "
            f"weights vector {settings.vector_weight}, text {settings.text_weight})\n"
        )
        print("| mode | " + " | ".join(f"hit@{k} | recall@{k}" for k in ks) + " |")
        print("|---|" + "---|---|" * len(ks))
        for mode, row in table.items():
            print(f"| {mode} | " + " | ".join(f"{row[k][0]:.3f} | {row[k][1]:.3f}" for k in ks) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
