"""Build and measure the FActScore calibration set (datasets/covid-qa/factscore-calibration/).

Steps, each a subcommand (the README of the set says how it was run):

``answer``     real answers of the covid-qa-llamacpp sample from a running llama.cpp server, for a fixed sample
               of questions, as predictions JSONL (the same records the evaluation pipeline writes).
``draft``      each answer's rule-based atomic facts with their top-5 corpus passages, as a labelling sheet
               (Markdown, to read) and a draft JSONL; no verdict of any verifier is shown, so labels are not
               anchored on one.
``assemble``   the draft plus a labels file (one line per fact: ``ID<TAB>FACT-NUMBER<TAB>s|n<TAB>note``) into the
               calibration set.
``measure``    every verifier against the labels: agreement and FActScore error; with ``--base-url`` also the
               LLM verifier and the LLM end-to-end method (its replies cached in ``--cache-dir``).
``stability``  FActScore of two independent runs of the same questions (``answer`` twice, the server restarted
               in between): how far the lexical figure moves when nothing changed.
``verifier-stability``  the LLM verifier's verdicts from the cache against a run with an empty cache.

Usage: ``python scripts/factscore_calibration.py SUBCOMMAND --help``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from ragops.app.index import ensure_index
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig, JudgeSpec
from ragops.config.testset import load_testset
from ragops.evaluation.factscore import calibration, llm_verifier, rule_facts
from ragops.evaluation.factscore.evidence import CorpusEvidence
from ragops.evaluation.factscore.family import Verdicts, lexical_verdicts, llm_verdicts, measures, weights_of
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier
from ragops.evaluation.factscore.scores import aggregate, score_answer
from ragops.evaluation.judge import Judge
from ragops.evaluation.predictions import Prediction, by_key, read_jsonl, write_jsonl
from ragops.layout import index_dir as default_index_dir
from ragops.pipelines.steps import to_prediction
from ragops.rag.engine import RagEngine
from ragops.rag.index import load_index, load_text_index

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "rag-configs" / "covid-qa-llamacpp.yaml"
SET = ROOT / "datasets" / "covid-qa" / "factscore-calibration" / "facts.jsonl"
DOCS = ROOT / "datasets" / "covid-qa" / "docs"


def _config(base_url: str | None) -> AppConfig:
    config = load_app_config(CONFIG, ROOT)
    if base_url is None:
        return config
    llm = config.spec.llm.model_copy(update={"base_url": base_url})
    return config.model_copy(update={"spec": config.spec.model_copy(update={"llm": llm})})


def _evidence(config: AppConfig) -> CorpusEvidence:
    folder = default_index_dir(ROOT, config.name)
    ensure_index(config, ROOT, folder)
    chunks, text = load_text_index(folder)
    return CorpusEvidence(chunks, text)


def answer(args: argparse.Namespace) -> None:
    config = _config(args.base_url)
    folder = default_index_dir(ROOT, config.name)
    ensure_index(config, ROOT, folder)
    testset = config.spec.data.testsets[0]
    records = load_testset(ROOT / testset, testset).records[args.start :: args.every][: args.questions]
    engine = RagEngine(config, load_index(folder), ROOT)
    predictions = []
    for number, record in enumerate(records, start=1):
        found = engine.answer(record.question)
        predictions.append(to_prediction(Path(testset).stem, record.id, found, cites=True))
        print(f"{number}/{len(records)} {record.id}: {found.answer[:80]!r}", file=sys.stderr, flush=True)
    write_jsonl(Path(args.out), predictions)


def draft(args: argparse.Namespace) -> None:
    config = _config(None)
    evidence = _evidence(config)
    predictions = read_jsonl(Path(args.predictions))[: args.answers]
    sheet: list[str] = []
    rows = []
    for p in predictions:
        facts = rule_facts.atomic_facts(p.answer)
        found = evidence.search(facts)
        given = evidence.given(p)
        passages = {x.chunk_id: {"doc_id": x.doc_id, "text": x.text} for ps in [*found, given] for x in ps}
        rows.append(
            {
                "testset": p.testset,
                "id": p.id,
                "question": p.question,
                "answer": p.answer,
                "context": [x.chunk_id for x in given],
                "passages": passages,
                "facts": [
                    {"fact": f, "evidence": [x.chunk_id for x in ps]} for f, ps in zip(facts, found, strict=True)
                ],
            }
        )
        sheet += [f"## {p.id}", "", f"Q: {p.question}", "", f"A: {p.answer}", ""]
        for n, (fact, ps) in enumerate(zip(facts, found, strict=True), start=1):
            sheet.append(f"- F{n}: {fact}  — evidence: {', '.join(x.chunk_id[:8] for x in ps)}")
        sheet.append("")
        # Labels are against each fact's own evidence: the sheet shows those passages (the given ones are kept
        # in the JSONL for the context variant, not shown).
        for chunk_id in dict.fromkeys(x.chunk_id for ps in found for x in ps):
            passage = passages[chunk_id]
            sheet += [f"### {chunk_id[:8]} ({passage['doc_id']})", "", passage["text"], ""]
    Path(args.out_jsonl).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    Path(args.out_sheet).write_text("\n".join(sheet) + "\n", encoding="utf-8")
    print(f"{len(rows)} answers, {sum(len(r['facts']) for r in rows)} facts", file=sys.stderr)


def assemble(args: argparse.Namespace) -> None:
    labels: dict[tuple[str, int], tuple[str, str]] = {}
    for line in Path(args.labels).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, number, mark, *rest = line.split("\t")
        labels[(qid, int(number))] = ("supported" if mark.strip() == "s" else "not_supported", "".join(rest).strip())
    out = []
    for line in Path(args.draft).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        facts = []
        for n, fact in enumerate(row["facts"], start=1):
            if (row["id"], n) not in labels:
                raise SystemExit(f"no label for {row['id']} fact {n}: {fact['fact']}")
            label, why = labels.pop((row["id"], n))
            facts.append({**fact, "label": label, "note": why})
        out.append(calibration.LabelledAnswer.model_validate({**row, "facts": facts}))
    if labels:
        raise SystemExit(f"labels for facts not in the draft: {sorted(labels)[:5]}")
    Path(args.out).write_text("".join(a.model_dump_json() + "\n" for a in out), encoding="utf-8")
    print(f"{len(out)} answers, {sum(len(a.facts) for a in out)} facts", file=sys.stderr)


def _row(name: str, result: calibration.Calibration) -> str:
    a = result.agreement

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f} %"

    kappa = "–" if a.kappa is None else f"{a.kappa + 0.0:.2f}".replace("-0.00", "0.00")
    return (
        f"| {name} | {a.facts} | {pct(a.rate)} | {kappa} | {pct(a.unsupported_recall)} | "
        f"{pct(a.unsupported_precision)} | "
        f"{pct(result.labelled.score)} | {pct(result.estimated.score)} | {100 * result.error:.1f} | "
        f"{pct(result.labelled.unpenalized)} | {pct(result.estimated.unpenalized)} | "
        f"{100 * result.error_unpenalized:.1f} |"
    )


def _judge(base_url: str) -> JudgeSpec:
    return JudgeSpec(model="SmolLM2-135M-Instruct", base_url=base_url, prompt_version="v1", factscore=True)


def _end_to_end(answers: Sequence[calibration.LabelledAnswer], judge: Judge) -> None:
    """The reference method end to end (the judge's own facts, verified against their own top-5 passages), as
    the pipeline computes it, against the labelled FActScore of the rule-based facts."""
    verdicts = llm_verdicts([a.prediction() for a in answers], _evidence(_config(None)), judge)
    estimated = aggregate([score_answer(v.corpus) for v in verdicts.values()])
    labelled = aggregate([score_answer([f.label == "supported" for f in a.facts]) for a in answers])
    print(
        f"\nLLM end to end: FActScore {estimated.score:.3f} vs labels {labelled.score:.3f}; unpenalised "
        f"{estimated.unpenalized:.3f} vs {labelled.unpenalized:.3f}; facts per answer {estimated.facts_per_answer:.1f}"
        f" vs {labelled.facts_per_answer:.1f}; answered {estimated.answered:.2f}; judge requests {judge.requests}, "
        f"cache hits {judge.cache_hits}"
    )


def measure(args: argparse.Namespace) -> None:
    answers = calibration.load(Path(args.set))
    weights = calibration.document_weights(DOCS)
    print(
        "| verifier | facts | agreement | kappa | not-supported recall | not-supported precision | "
        "FActScore (labels) | FActScore (verifier) | error (points) | unpenalised (labels) | unpenalised (verifier) | "
        "error (points) |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    lexical = LexicalVerifier(weights)
    print(_row("lexical (lexical-v1)", calibration.calibrate(answers, lexical.supported)))
    print(_row("always supported", calibration.calibrate(answers, lambda _f, _p: True)))
    print(_row("never supported", calibration.calibrate(answers, lambda _f, _p: False)))
    if args.base_url:
        # Each verification sends five 256-token passages; on a busy 2-core machine that is minutes a fact, so the
        # LLM rows may be measured on the first answers only (the row's fact count says how many).
        sample = answers[: args.llm_answers]
        judge = Judge(_judge(args.base_url), Path(args.cache_dir))
        verdict = partial(llm_verifier.supported, judge)
        print(_row("LLM (SmolLM2-135M, llm-verify-v1)", calibration.calibrate(sample, verdict)))
        print(_row("lexical, same answers", calibration.calibrate(sample, lexical.supported)))
        if args.end_to_end:
            _end_to_end(sample[: args.end_to_end], judge)
    print("\nlexical threshold sensitivity (information only; the pinned threshold was fixed before labelling):")
    for threshold in (0.4, 0.5, 0.6, 0.7, 0.8):
        result = calibration.calibrate(answers, LexicalVerifier(weights, threshold).supported)
        print(f"  threshold {threshold}: agreement {100 * result.agreement.rate:.1f} %, error {100 * result.error:.1f}")


def _lexical(evidence: CorpusEvidence, predictions: Sequence[Prediction]) -> dict[tuple[str, str], Verdicts]:
    return lexical_verdicts(predictions, evidence, LexicalVerifier(weights_of(evidence)))


def stability(args: argparse.Namespace) -> None:
    evidence = _evidence(_config(None))
    first, second = (by_key(read_jsonl(Path(path))) for path in (args.first, args.second))
    common = [key for key in first if key in second]
    runs = [[run[key] for key in common] for run in (first, second)]
    same_answers = sum(1 for a, b in zip(*runs, strict=True) if a.answer == b.answer)
    values = [{k: measures(v) for k, v in _lexical(evidence, run).items()} for run in runs]
    print(f"questions in both runs {len(common)}; identical answers {same_answers}")
    for measure in ("score", "unpenalized", "context", "answered", "facts"):
        means = []
        for run in values:
            defined = [x for v in run.values() if (x := v[measure]) is not None]
            means.append(math.fsum(defined) / len(defined))
        diffs = [
            abs(a - b)
            for key in common
            if (a := values[0][key][measure]) is not None and (b := values[1][key][measure]) is not None
        ]
        print(
            f"factscore_lexical {measure}: run 1 {means[0]:.4f}, run 2 {means[1]:.4f}, |difference| "
            f"{abs(means[0] - means[1]):.4f}; per question max |difference| {max(diffs):.4f}, "
            f"mean {statistics.fmean(diffs):.4f}"
        )


def verifier_stability(args: argparse.Namespace) -> None:
    """The LLM verifier's verdicts on the first answers' facts: once through ``--cache-dir`` (filled by
    ``measure``), once with an empty cache (every reply asked again), compared fact by fact."""
    answers = calibration.load(Path(args.set))[: args.llm_answers]
    cached = Judge(_judge(args.base_url), Path(args.cache_dir))
    with tempfile.TemporaryDirectory() as fresh_dir:
        fresh = Judge(_judge(args.base_url), Path(fresh_dir))
        pairs = [
            (
                llm_verifier.supported(cached, f.fact, a.evidence(f)),
                llm_verifier.supported(fresh, f.fact, a.evidence(f)),
            )
            for a in answers
            for f in a.facts
        ]
    differ = sum(1 for a, b in pairs if a != b)
    print(
        f"LLM verifier, {len(pairs)} facts of {len(answers)} answers: {differ} verdicts differ between the cached run "
        f"and a run with an empty cache ({fresh.requests - fresh.cache_hits} requests asked again; cached run: "
        f"{cached.cache_hits} of {cached.requests} from the cache)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("answer", help="answers of the llamacpp sample from a running server")
    p.add_argument("--base-url", required=True, help="the llama.cpp server, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--questions", type=int, default=40)
    p.add_argument("--every", type=int, default=30, help="take every N-th question of the test set")
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(run=answer)
    p = commands.add_parser("draft", help="facts and evidence to label")
    p.add_argument("predictions")
    p.add_argument("--answers", type=int, default=1000)
    p.add_argument("--out-jsonl", required=True)
    p.add_argument("--out-sheet", required=True)
    p.set_defaults(run=draft)
    p = commands.add_parser("assemble", help="draft + labels → the calibration set")
    p.add_argument("draft")
    p.add_argument("labels")
    p.add_argument("--out", default=str(SET))
    p.set_defaults(run=assemble)
    p = commands.add_parser("measure", help="verifiers against the labels")
    p.add_argument("--set", default=str(SET))
    p.add_argument("--base-url", help="also the LLM verifier, at this llama.cpp server")
    p.add_argument("--cache-dir", default=str(ROOT / ".ragops" / "factscore-calibration-cache"))
    p.add_argument("--llm-answers", type=int, default=1000, help="LLM verifier on the first N answers only")
    p.add_argument("--end-to-end", type=int, default=0, help="also the LLM method end to end on N answers")
    p.set_defaults(run=measure)
    p = commands.add_parser("verifier-stability", help="LLM verdicts from the cache against an empty cache")
    p.add_argument("--set", default=str(SET))
    p.add_argument("--base-url", required=True)
    p.add_argument("--cache-dir", default=str(ROOT / ".ragops" / "factscore-calibration-cache"))
    p.add_argument("--llm-answers", type=int, default=1000)
    p.set_defaults(run=verifier_stability)
    p = commands.add_parser("stability", help="lexical FActScore of two runs of the same questions")
    p.add_argument("first")
    p.add_argument("second")
    p.set_defaults(run=stability)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
