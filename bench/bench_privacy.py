"""Personal-data redaction at ingest on the COVID-QA sample: its share of index time, and what each kind costs.

Usage: ``python bench/bench_privacy.py [rag-configs/covid-qa.yaml]``. Builds the app's index cold (empty embedding
cache, model load included) with ``spec.privacy`` on at its defaults (every kind, action redact), timing the
``privacy`` stage inside the build through the build's progress events, then times the finder alone per kind over
the same documents. Prints a Markdown table and the verdict against the target: redaction ≤ 10 % of the cold
index time. Also given: the share of a warm re-index (every vector from the cache), where nothing but loading,
chunking and redaction is left to do, so the share is naturally much larger; it is reported, not targeted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ragops.config.loader import load_app_config
from ragops.config.privacy import PERSONAL_DATA_KINDS, PrivacySpec
from ragops.rag.documents import load_corpus
from ragops.rag.index import build_index
from ragops.rag.personal_data import PersonalDataFinder

ROOT = Path(__file__).resolve().parents[1]
TARGET_SHARE = 0.10


class StageClock:
    """A progress callback that keeps how long each stage took (first event to last)."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage, now)
        self.last[stage] = now

    def seconds(self, stage: str) -> float:
        return self.last.get(stage, 0.0) - self.first.get(stage, 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    args = parser.parse_args()
    plain = load_app_config(args.config, ROOT)
    config = plain.model_copy(update={"spec": plain.spec.model_copy(update={"privacy": PrivacySpec()})})
    corpus = ROOT / config.spec.data.corpus

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        cold_clock = StageClock()
        started = time.perf_counter()
        cold = build_index(config, corpus, work / "cold", work / "cache", cold_clock, root=ROOT)
        cold_s = time.perf_counter() - started
        warm_clock = StageClock()
        started = time.perf_counter()
        build_index(config, corpus, work / "warm", work / "cache", warm_clock, root=ROOT)
        warm_s = time.perf_counter() - started

    documents = load_corpus(corpus, config.spec.loader).documents
    characters = sum(len(d.text) for d in documents)
    per_kind = {}
    for kind in PERSONAL_DATA_KINDS:
        finder = PersonalDataFinder(PrivacySpec(detect=[kind]))
        finder.find("warm up +1 202-555-0143 12345678Z")  # imports and libphonenumber's metadata, once
        started = time.perf_counter()
        for document in documents:
            finder.find(document.text)
        per_kind[kind] = time.perf_counter() - started

    cold_privacy, warm_privacy = cold_clock.seconds("privacy"), warm_clock.seconds("privacy")
    share = cold_privacy / cold_s
    outcome = cold.privacy
    print(f"\n{config.name}: {len(documents)} documents, {characters / 1e6:.2f} M characters, {cold.chunks} chunks")
    print(f"found and redacted: {outcome.summary() if outcome else 'nothing'}\n")
    print("| measure | seconds | share of its index build |\n|---|---:|---:|")
    print(f"| cold index (empty cache, model load) | {cold_s:.1f} | |")
    print(f"| redaction inside it | {cold_privacy:.2f} | {share:.1%} |")
    print(f"| warm re-index (vectors from the cache) | {warm_s:.1f} | |")
    print(f"| redaction inside it | {warm_privacy:.2f} | {warm_privacy / warm_s:.1%} |")
    print("\n| kind | seconds alone | MB/s |\n|---|---:|---:|")
    for kind, seconds in per_kind.items():
        print(f"| {kind} | {seconds:.2f} | {characters / 1e6 / seconds:.1f} |")
    verdict = "met" if share <= TARGET_SHARE else "NOT met"
    print(f"\ntarget (redaction ≤ {TARGET_SHARE:.0%} of the cold index time): {verdict} ({share:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
