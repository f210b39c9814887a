#!/usr/bin/env python3
"""Convert the shared upstream QA datasets into ragops' committed sample-data layout.

Sources (read-only, documented in each folder's SOURCE.md):

* ``<shared>/covid-qa/200423_covidQA.json`` (deepset COVID-QA, SQuAD v2 format)
* ``<shared>/hotpotqa-hipporag100/hotpotqa_train{,_corpus}.json`` (HippoRAG's 100-question HotpotQA subset)

Output (the public dataset contract), one folder per corpus under ``<out>``::

    <corpus>/docs/<doc_id>.txt        one UTF-8 document per file; id = path relative to docs/ minus ".txt"
    <corpus>/testsets/<name>.jsonl    one test question per line (id, question, answers, gold_doc_ids,
                                      gold_spans, tags), in source order
    <corpus>/SOURCE.md                attribution, conversion notes and counts (generated)
    <corpus>/LICENSE.*                upstream license files

The conversion is deterministic and idempotent: it deletes and rewrites the ``docs/`` folder and its own test set
(``testsets/<corpus>.jsonl``) of each corpus and overwrites its own SOURCE.md and LICENSE files; other test sets
there (``scripts/build_conversations.py``'s) are left alone.  Every run ends
with a validation pass (also available on its own with ``--check``): each gold doc id exists, each gold
span slices its document text exactly, ids are unique, lines are canonical JSON, and the counts agree
with the generated SOURCE.md.

Usage (relative paths are resolved against the repository root, not the working directory)::

    python3 scripts/convert_datasets.py --shared ../shared/datasets --out datasets
    python3 scripts/convert_datasets.py --check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = "../shared/datasets"
DEFAULT_OUT = "datasets"

# --- upstream facts (from the shared SOURCE.md files); the script refuses to run on other inputs ------

COVID_SRC_DIR = "covid-qa"
COVID_FILE = "200423_covidQA.json"
COVID_SHA256 = "ab310b4e39f726e087c8fa3d1787c73771dacddc584977204ebe3cc889ee1264"
COVID_UPSTREAM_DOCS = 98
COVID_UPSTREAM_QUESTIONS = 1380
# Documents without a "License: cc-by" line; verified against the text at conversion time.
COVID_EXPECTED_NON_CC_BY = {
    185: "CDC web page (no license line)",
    186: "CDC Emerging Infectious Diseases journal article (no license line)",
    187: "JAMA article (no license line)",
    188: "JACR/Elsevier journal pre-proof (no license line)",
    2683: "Imperial College COVID-19 Response Team report (no license line)",
    2684: "CDC Emerging Infectious Diseases journal article (no license line)",
}
COVID_LICENSE_RE = re.compile(r"^License:[ \t]*cc-by[ \t]*$", re.MULTILINE)

HOTPOT_SRC_DIR = "hotpotqa-hipporag100"
HOTPOT_QA_FILE = "hotpotqa_train.json"
HOTPOT_CORPUS_FILE = "hotpotqa_train_corpus.json"
HOTPOT_QA_SHA256 = "6c0e2689d03c94b3bb4d5f94ed806ea4f4eb4f46c12132f8e91df774ad5c5a22"
HOTPOT_CORPUS_SHA256 = "2671af600095eabc5b3f3bc3728861682f14fcced84ef1386509a8ae92647f88"
HOTPOT_UPSTREAM_DOCS = 994
HOTPOT_UPSTREAM_QUESTIONS = 100

RECORD_KEYS = ("id", "question", "answers", "gold_doc_ids", "gold_spans", "tags")
REQUIRED_KEYS = ("id", "question", "answers", "gold_doc_ids")
SPAN_KEYS = ("doc_id", "start", "end", "text")
COUNT_LINE_RE = re.compile(r"^- ([a-z0-9_:]+): (\d+)$")


class ConversionError(RuntimeError):
    """The source data does not look like the documented upstream files."""


@dataclass
class Corpus:
    """A converted corpus, ready to be written."""

    name: str
    docs: dict[str, str]
    testsets: dict[str, list[dict[str, Any]]]
    licenses: dict[str, bytes]
    source_md: str = ""
    counts: dict[str, int] = field(default_factory=dict)


# --- helpers -----------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_verified_json(path: Path, expected_sha256: str) -> Any:
    digest = sha256_of(path)
    if digest != expected_sha256:
        raise ConversionError(f"{path}: sha256 {digest} != documented {expected_sha256}")
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def occurrences(haystack: str, needle: str) -> list[int]:
    """All start offsets of ``needle`` in ``haystack``, overlapping matches included."""
    found: list[int] = []
    pos = haystack.find(needle)
    while pos != -1:
        found.append(pos)
        pos = haystack.find(needle, pos + 1)
    return found


def nearest_occurrence(haystack: str, needle: str, given: int) -> int | None:
    """Start of the occurrence of ``needle`` nearest to ``given`` (ties: the earlier one), or None."""
    found = occurrences(haystack, needle)
    return min(found, key=lambda pos: (abs(pos - given), pos)) if found else None


def trimmed_span(doc_id: str, text: str, start: int, raw: str) -> dict[str, Any] | None:
    """Span for ``raw`` found at ``start`` in ``text``, with surrounding whitespace trimmed off."""
    stripped = raw.strip()
    if not stripped:
        return None
    begin = start + (len(raw) - len(raw.lstrip()))
    end = begin + len(stripped)
    assert text[begin:end] == stripped
    return {"doc_id": doc_id, "start": begin, "end": end, "text": stripped}


def build_record(
    rec_id: str,
    question: str,
    answers: list[str],
    gold_doc_ids: list[str],
    gold_spans: list[dict[str, Any]],
    tags: list[str],
) -> dict[str, Any]:
    """A test-set record with keys in contract order; empty optional fields are omitted."""
    record: dict[str, Any] = {
        "id": rec_id,
        "question": question,
        "answers": answers,
        "gold_doc_ids": gold_doc_ids,
    }
    if gold_spans:
        record["gold_spans"] = gold_spans
    if tags:
        record["tags"] = tags
    return record


def slugify(title: str) -> str:
    """Lowercase ASCII slug: NFKD, combining marks dropped, other non-[a-z0-9] runs -> "-"."""
    decomposed = unicodedata.normalize("NFKD", title)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", no_marks.lower()).strip("-")


def assign_hotpot_doc_ids(titles: list[str]) -> tuple[dict[str, str], dict[str, list[str]], list[str]]:
    """Map titles to stable doc ids; returns (mapping, slug collisions, titles with empty slugs)."""
    by_slug: dict[str, list[str]] = {}
    empty: list[str] = []
    for title in sorted(titles):
        slug = slugify(title)
        if not slug:
            empty.append(title)
            slug = hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
        by_slug.setdefault(slug, []).append(title)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for slug in sorted(by_slug):  # bare slugs first, so a suffixed id never steals a real one
        mapping[by_slug[slug][0]] = f"hotpotqa-{slug}"
        taken.add(slug)
    for slug in sorted(by_slug):
        n = 2
        for title in by_slug[slug][1:]:
            while f"{slug}-{n}" in taken:
                n += 1
            taken.add(f"{slug}-{n}")
            mapping[title] = f"hotpotqa-{slug}-{n}"
    collisions = {slug: group for slug, group in by_slug.items() if len(group) > 1}
    return mapping, collisions, empty


def hotpot_doc_text(title: str, sentences: list[str]) -> str:
    return title + "\n\n" + "".join(sentences)


def format_counts(counts: dict[str, int]) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in counts.items())


def fmt_delta(delta: int) -> str:
    return f"{delta:+d}"


# --- COVID-QA ----------------------------------------------------------------------------------------


def convert_covid(shared: Path) -> Corpus:
    src_dir = shared / COVID_SRC_DIR
    data = load_verified_json(src_dir / COVID_FILE, COVID_SHA256)

    docs: dict[str, str] = {}
    records: list[dict[str, Any]] = []
    dropped_docs: dict[int, int] = {}  # document_id -> questions dropped with it
    no_space_license: list[int] = []
    deltas: Counter[int] = Counter()
    upstream_deltas: Counter[int] = Counter()
    ambiguous = 0
    trimmed_answers = 0
    trimmed_questions = 0
    upstream_docs = upstream_questions = 0
    seen_qids: set[int] = set()

    for article in data["data"]:
        if len(article["paragraphs"]) != 1:
            raise ConversionError("expected exactly one paragraph per COVID-QA article")
        para = article["paragraphs"][0]
        document_id: int = para["document_id"]
        context: str = para["context"]
        upstream_docs += 1
        upstream_questions += len(para["qas"])
        for qa in para["qas"]:
            for answer in qa["answers"]:
                pos = nearest_occurrence(context, answer["text"], answer["answer_start"])
                if pos is not None and pos != answer["answer_start"]:
                    upstream_deltas[pos - answer["answer_start"]] += 1

        license_match = COVID_LICENSE_RE.search(context)
        if license_match is None:
            dropped_docs[document_id] = len(para["qas"])
            continue
        if license_match.group(0).startswith("License:cc-by"):
            no_space_license.append(document_id)

        doc_id = f"covidqa-{document_id}"
        if doc_id in docs:
            raise ConversionError(f"duplicate document_id {document_id}")
        docs[doc_id] = context

        for qa in para["qas"]:
            if qa.get("is_impossible") or len(qa["answers"]) != 1:
                raise ConversionError(f"question {qa['id']}: expected exactly one answer")
            if qa["id"] in seen_qids:
                raise ConversionError(f"duplicate question id {qa['id']}")
            seen_qids.add(qa["id"])
            answer = qa["answers"][0]
            raw: str = answer["text"]
            given: int = answer["answer_start"]
            start = nearest_occurrence(context, raw, given)
            if start is None:
                raise ConversionError(f"question {qa['id']}: answer text not in context")
            if start != given:
                deltas[start - given] += 1
            if len(occurrences(context, raw)) > 1:
                ambiguous += 1
            span = trimmed_span(doc_id, context, start, raw)
            if span is None:
                raise ConversionError(f"question {qa['id']}: empty answer")
            if span["text"] != raw:
                trimmed_answers += 1
            question: str = qa["question"]
            if question.strip() != question:
                trimmed_questions += 1
            records.append(
                build_record(
                    rec_id=f"covidqa-q{qa['id']}",
                    question=question.strip(),
                    answers=[span["text"]],
                    gold_doc_ids=[doc_id],
                    gold_spans=[span],
                    tags=[],
                )
            )

    if (upstream_docs, upstream_questions) != (COVID_UPSTREAM_DOCS, COVID_UPSTREAM_QUESTIONS):
        raise ConversionError(f"unexpected upstream counts {upstream_docs} docs / {upstream_questions} qs")
    if set(dropped_docs) != set(COVID_EXPECTED_NON_CC_BY):
        raise ConversionError(f"non-CC-BY documents {sorted(dropped_docs)} differ from the documented six")

    counts = {
        "documents": len(docs),
        "questions": len(records),
        "gold_spans": sum(len(r.get("gold_spans", [])) for r in records),
        "dropped_documents": len(dropped_docs),
        "dropped_questions": sum(dropped_docs.values()),
        "offsets_recomputed": sum(deltas.values()),
        "answers_whitespace_trimmed": trimmed_answers,
        "questions_whitespace_trimmed": trimmed_questions,
    }
    licenses = {"LICENSE.upstream": (src_dir / "LICENSE.upstream").read_bytes()}
    corpus = Corpus("covid-qa", docs, {"covid-qa": records}, licenses, counts=counts)
    corpus.source_md = covid_source_md(
        counts,
        dropped_docs,
        no_space_license,
        deltas,
        upstream_deltas,
        ambiguous,
        sum(len(c) for c in docs.values()),
    )
    return corpus


def covid_source_md(
    counts: dict[str, int],
    dropped_docs: dict[int, int],
    no_space_license: list[int],
    deltas: Counter[int],
    upstream_deltas: Counter[int],
    ambiguous: int,
    total_chars: int,
) -> str:
    dropped_lines = "\n".join(
        f"  - `{doc}`: {COVID_EXPECTED_NON_CC_BY[doc]}; {n} questions dropped"
        for doc, n in sorted(dropped_docs.items())
    )

    def describe(hist: Counter[int]) -> str:
        return ", ".join(f"{n} by {fmt_delta(d)}" for d, n in sorted(hist.items())) or "none"

    return f"""# COVID-QA sample corpus (ragops dataset format)

Generated by `scripts/convert_datasets.py`. Do not edit by hand: change the script and rerun it.

## Origin
- Dataset: COVID-QA, Möller et al., "COVID-QA: A Question Answering Dataset for COVID-19",
  ACL 2020 NLP-COVID workshop.
- Repository: https://github.com/deepset-ai/COVID-QA, file `data/question-answering/{COVID_FILE}`.
  Added in commit `471a9d888160b9e5c33f8e42e2a34c1eb4866766` (2020-04-23) and unchanged at the snapshot
  HEAD `fb2eb5e249618457e5359806601086c635c8eb8f` (2020-06-22).
- Source file sha256 `{COVID_SHA256}` (2,697,757 bytes); the script verifies it before converting.
- Upstream counts: {COVID_UPSTREAM_DOCS} documents, {COVID_UPSTREAM_QUESTIONS} questions (one answer each,
  no unanswerable questions).

## License
- The COVID-QA repository and its annotations are Apache-2.0: see `LICENSE.upstream` (copied unmodified).
- The documents are CORD-19 full-text articles. Only articles whose text carries a `License: cc-by` line
  are kept, so every document here is CC BY; its header (title, URL, authors, date, DOI) is the attribution.

## Conversion
- One document per SQuAD article (each has exactly one paragraph). Doc id: `covidqa-<document_id>`,
  file `docs/<doc id>.txt`. The file text is the SQuAD `context` byte for byte (UTF-8, no trailing newline
  added, nothing edited).
- Dropped: the {counts["dropped_documents"]} documents without a `License: cc-by` line, and all their
  questions ({counts["dropped_questions"]} in total):
{dropped_lines}
  The license test is the regular expression `{COVID_LICENSE_RE.pattern}` on each line. Note that
  {len(no_space_license)} kept documents write it without the space (`License:cc-by`):
  {", ".join(str(d) for d in sorted(no_space_license))}.
- Test set `testsets/covid-qa.jsonl`: one record per remaining question, in source order.
  `id` = `covidqa-q<question id>`, `question` = upstream text with leading/trailing whitespace
  stripped ({counts["questions_whitespace_trimmed"]} questions had some), `answers` = the single reference
  answer, `gold_doc_ids` = the question's document, `gold_spans` = the answer span. No `tags`.
- Offset fixes: upstream `answer_start` does not always point at the answer text. The span start is the
  occurrence of the answer text (overlapping matches included) nearest to `answer_start`, ties going to
  the earlier one. For the kept questions {counts["offsets_recomputed"]} start offsets changed
  (new minus old, in characters: {describe(deltas)}). Over all {COVID_UPSTREAM_QUESTIONS} upstream questions
  the changes would be {describe(upstream_deltas)}; the others are all in dropped documents. (The shared
  notes count 194 by -1 plus 2 far off: those 2 are far only from the first occurrence, `str.find`, and
  are -1 from the nearest one.)
  {ambiguous} kept answers occur more than once in their document; the nearest occurrence is used.
- Whitespace: {counts["answers_whitespace_trimmed"]} upstream answer texts start or end with a space or
  newline. The answer and its span are trimmed of that whitespace (span offsets moved accordingly), so
  `answers[0] == gold_spans[0].text == doc_text[start:end]` for every record.
- Some documents contain Unicode private-use characters (U+F0xx, from PDF symbol fonts); they are kept.

## Counts
{format_counts(counts)}

Corpus text after conversion: {total_chars:,} characters.
"""


# --- HotpotQA ----------------------------------------------------------------------------------------


def convert_hotpot(shared: Path) -> Corpus:
    src_dir = shared / HOTPOT_SRC_DIR
    questions = load_verified_json(src_dir / HOTPOT_QA_FILE, HOTPOT_QA_SHA256)
    corpus_src: dict[str, list[str]] = load_verified_json(src_dir / HOTPOT_CORPUS_FILE, HOTPOT_CORPUS_SHA256)
    if (len(corpus_src), len(questions)) != (HOTPOT_UPSTREAM_DOCS, HOTPOT_UPSTREAM_QUESTIONS):
        raise ConversionError(f"unexpected upstream counts {len(corpus_src)} docs / {len(questions)} qs")

    for title in corpus_src:
        if "\n" in title or title != title.strip():
            raise ConversionError(f"title {title!r} cannot be a first line")
    doc_ids, collisions, empty_slugs = assign_hotpot_doc_ids(list(corpus_src))
    docs = {doc_ids[t]: hotpot_doc_text(t, s) for t, s in corpus_src.items()}
    if len(docs) != len(corpus_src):
        raise ConversionError("doc id assignment is not injective")

    records: list[dict[str, Any]] = []
    skipped_out_of_range: list[str] = []
    skipped_missing_title: list[str] = []
    skipped_empty: list[str] = []
    duplicate_facts = 0
    trimmed_sentences = 0
    trimmed_questions = 0
    types: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    context_mismatch = 0
    seen_ids: set[str] = set()

    for q in questions:
        qid: str = q["_id"]
        if qid in seen_ids:
            raise ConversionError(f"duplicate question id {qid}")
        seen_ids.add(qid)
        context_mismatch += sum(corpus_src.get(t) != s for t, s in q["context"])
        gold_ids: list[str] = []
        spans: list[dict[str, Any]] = []
        seen_facts: set[tuple[str, int]] = set()
        for title, index in q["supporting_facts"]:
            if (title, index) in seen_facts:
                duplicate_facts += 1
                continue
            seen_facts.add((title, index))
            if title not in corpus_src:
                skipped_missing_title.append(f"{qid} {title!r}[{index}]")
                continue
            doc_id = doc_ids[title]
            if doc_id not in gold_ids:
                gold_ids.append(doc_id)
            sentences = corpus_src[title]
            if not 0 <= index < len(sentences):
                skipped_out_of_range.append(f"{qid} {title!r}[{index}] (has {len(sentences)} sentences)")
                continue
            start = len(title) + 2 + sum(len(s) for s in sentences[:index])
            span = trimmed_span(doc_id, docs[doc_id], start, sentences[index])
            if span is None:
                skipped_empty.append(f"{qid} {title!r}[{index}]")
                continue
            if span["text"] != sentences[index]:
                trimmed_sentences += 1
            spans.append(span)
        question: str = q["question"]
        if question.strip() != question:
            trimmed_questions += 1
        types[q["type"]] += 1
        levels[q["level"]] += 1
        records.append(
            build_record(
                rec_id=qid,
                question=question.strip(),
                answers=[q["answer"]],
                gold_doc_ids=gold_ids,
                gold_spans=spans,
                tags=[q["type"], f"level:{q['level']}"],
            )
        )

    counts = {
        "documents": len(docs),
        "questions": len(records),
        "gold_spans": sum(len(r.get("gold_spans", [])) for r in records),
        "supporting_facts_skipped_out_of_range": len(skipped_out_of_range),
        "supporting_facts_skipped_missing_title": len(skipped_missing_title),
        "supporting_facts_skipped_empty": len(skipped_empty),
        "supporting_facts_duplicate": duplicate_facts,
        "slug_collisions": sum(len(g) - 1 for g in collisions.values()),
        "empty_slugs": len(empty_slugs),
        "questions_whitespace_trimmed": trimmed_questions,
    }
    counts.update({f"type:{k}": v for k, v in sorted(types.items())})
    counts.update({f"level:{k}": v for k, v in sorted(levels.items())})
    licenses = {
        "LICENSE.hipporag": (src_dir / "LICENSE.hipporag").read_bytes(),
        "LICENSE.hotpotqa.md": HOTPOT_LICENSE_MD.encode("utf-8"),
    }
    corpus = Corpus("hotpotqa", docs, {"hotpotqa": records}, licenses, counts=counts)
    lossy = sorted(t for t in corpus_src if lossy_title(t))
    corpus.source_md = hotpot_source_md(
        counts,
        skipped=skipped_out_of_range + skipped_missing_title + skipped_empty,
        collisions=collisions,
        trimmed_sentences=trimmed_sentences,
        context_mismatch=context_mismatch,
        lossy=[(t, doc_ids[t]) for t in lossy],
        total_chars=sum(len("".join(s)) for s in corpus_src.values()),
    )
    return corpus


def lossy_title(title: str) -> bool:
    """True if the slug loses a non-ASCII letter that has no ASCII decomposition (e.g. ø, æ, ß)."""
    decomposed = unicodedata.normalize("NFKD", title)
    return any(ord(ch) > 127 and unicodedata.category(ch).startswith("L") for ch in decomposed)


HOTPOT_LICENSE_MD = """# HotpotQA data license

The files in `docs/` and `testsets/` of this folder are derived from HotpotQA
(https://hotpotqa.github.io/): Zhilin Yang, Peng Qi, Saizheng Zhang, Yoshua Bengio, William W. Cohen,
Ruslan Salakhutdinov and Christopher D. Manning, "HotpotQA: A Dataset for Diverse, Explainable
Multi-hop Question Answering", EMNLP 2018.

HotpotQA is distributed under the Creative Commons Attribution-ShareAlike 4.0 International license
(CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/). Its paragraphs are text from English
Wikipedia, by Wikipedia contributors, also under CC BY-SA.

This derived copy (documents reformatted as `title + "\\n\\n" + paragraph`, questions converted to the
ragops test-set format) is therefore also licensed under CC BY-SA 4.0. The question subset was selected
by HippoRAG (MIT license, see `LICENSE.hipporag`); see `SOURCE.md` for details.
"""


def hotpot_source_md(
    counts: dict[str, int],
    skipped: list[str],
    collisions: dict[str, list[str]],
    trimmed_sentences: int,
    context_mismatch: int,
    lossy: list[tuple[str, str]],
    total_chars: int,
) -> str:
    skipped_text = "".join(f"\n  - {s}" for s in skipped) if skipped else " none."
    collision_text = (
        "".join(f"\n  - `{slug}`: {', '.join(repr(t) for t in group)}" for slug, group in collisions.items())
        if collisions
        else " none in this corpus."
    )
    lossy_text = "\n".join(f"  - {title!r} -> `{doc_id}`" for title, doc_id in lossy)
    return f"""# HotpotQA 100-question subset (HippoRAG) in the ragops dataset format

Generated by `scripts/convert_datasets.py`. Do not edit by hand: change the script and rerun it.

## Origin
- Dataset: HotpotQA (Yang et al., EMNLP 2018), https://hotpotqa.github.io/, train split, distractor setting.
- Subset and pooled corpus: https://github.com/OSU-NLP-Group/HippoRAG, `data/{HOTPOT_QA_FILE}` and
  `data/{HOTPOT_CORPUS_FILE}`, as of commit `b144c46df14cabe5f5822d8caded4bec5f709461` (2025-02-25; added in
  `3d95d255a8db0c1699b853cfb4fbe5056708162d`, deleted later, so not at HEAD). HippoRAG used them as its
  hyperparameter-tuning subset.
- sha256 `{HOTPOT_QA_FILE}` `{HOTPOT_QA_SHA256}` (810,836 bytes);
  `{HOTPOT_CORPUS_FILE}` `{HOTPOT_CORPUS_SHA256}` (640,159 bytes). The script verifies both.
- This is a train-split subset with per-question distractors: say so when reporting, and do not compare
  retrieval scores with full-Wikipedia HotpotQA.

## License
- HotpotQA data (Wikipedia text): CC BY-SA 4.0, see `LICENSE.hotpotqa.md`. Attribution and share-alike
  apply to `docs/` and `testsets/` here.
- HippoRAG repository (which selected the subset): MIT, see `LICENSE.hipporag` (copied unmodified).

## Conversion
- Documents: one per entry of `{HOTPOT_CORPUS_FILE}` (the 10 context paragraphs of every question,
  pooled, duplicate titles merged). File text = `title + "\\n\\n" + "".join(sentences)`; the sentences carry
  their own leading spaces. The first line of each file is the Wikipedia title; no other title-to-id
  mapping is stored.
- Doc id: `hotpotqa-<slug>`. Slug = title NFKD-normalised, combining marks dropped, lowercased, every run
  of characters other than ASCII `a-z0-9` replaced by one `-`, leading/trailing `-` stripped; an empty slug
  would become the first 8 hex digits of the title's sha1. Titles sharing a slug get `-2`, `-3`, ... in
  sorted-title order. Slug collisions:{collision_text}
  Non-ASCII letters without an ASCII decomposition are not transliterated; like any other
  character outside `a-z0-9` (e.g. the dash in "1980–99") they become `-` or vanish at the ends:
{lossy_text}
- Test set `testsets/hotpotqa.jsonl`: all questions, in source order. `id` = HotpotQA `_id`,
  `question` = upstream text stripped of leading/trailing whitespace
  ({counts["questions_whitespace_trimmed"]} questions had some), `answers` = `[answer]`,
  `gold_doc_ids` = distinct supporting-fact titles in order of first appearance,
  `gold_spans` = one span per supporting-fact sentence (offsets include the `title\\n\\n` prefix),
  `tags` = `[type, "level:<level>"]`.
- Span text is the sentence without its leading/trailing whitespace ({trimmed_sentences} supporting
  sentences start with a space; the span starts after it).
- Skipped supporting facts (sentence index out of range, title missing, or empty sentence):{skipped_text}
- Consistency: context paragraphs that differ from the corpus entry of the same title: {context_mismatch}.

## Counts
{format_counts(counts)}

Corpus text (paragraphs without titles): {total_chars:,} characters.
"""


# --- writing -----------------------------------------------------------------------------------------


def record_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def write_corpus(out: Path, corpus: Corpus) -> None:
    root = out / corpus.name
    root.mkdir(parents=True, exist_ok=True)
    if (root / "docs").exists():
        shutil.rmtree(root / "docs")
    (root / "docs").mkdir()
    (root / "testsets").mkdir(exist_ok=True)
    for name in corpus.testsets:
        (root / "testsets" / f"{name}.jsonl").unlink(missing_ok=True)
    for doc_id, text in sorted(corpus.docs.items()):
        (root / "docs" / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
    for name, records in sorted(corpus.testsets.items()):
        body = "".join(record_line(r) + "\n" for r in records)
        (root / "testsets" / f"{name}.jsonl").write_bytes(body.encode("utf-8"))
    (root / "SOURCE.md").write_bytes(corpus.source_md.encode("utf-8"))
    for name, content in sorted(corpus.licenses.items()):
        (root / name).write_bytes(content)


# --- validation --------------------------------------------------------------------------------------


def parse_source_counts(source_md: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    in_counts = False
    for line in source_md.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_counts = line == "## Counts"
            continue
        match = COUNT_LINE_RE.match(line)
        if in_counts and match:
            counts[match.group(1)] = int(match.group(2))
    return counts


def check_record(record: Any, docs: dict[str, str], where: str) -> list[str]:
    errors: list[str] = []
    if not isinstance(record, dict):
        return [f"{where}: not a JSON object"]
    keys = list(record)
    if keys != [k for k in RECORD_KEYS if k in record] or set(keys) - set(RECORD_KEYS):
        errors.append(f"{where}: keys {keys} not a subset of {list(RECORD_KEYS)} in order")
    for key in REQUIRED_KEYS:
        if key not in record:
            errors.append(f"{where}: missing {key}")
    if errors:
        return errors
    if not isinstance(record["id"], str) or not record["id"]:
        errors.append(f"{where}: bad id")
    if not isinstance(record["question"], str) or not record["question"].strip():
        errors.append(f"{where}: bad question")
    for key in ("answers", "gold_doc_ids", "tags"):
        value = record.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            errors.append(f"{where}: {key} must be a list of non-empty strings")
        elif len(set(value)) != len(value):
            errors.append(f"{where}: duplicate entries in {key}")
    if not record["answers"] or not record["gold_doc_ids"]:
        errors.append(f"{where}: empty answers or gold_doc_ids")
    for key in ("gold_spans", "tags"):
        if key in record and not record[key]:
            errors.append(f"{where}: empty optional field {key} should be omitted")
    for doc_id in record["gold_doc_ids"]:
        if doc_id not in docs:
            errors.append(f"{where}: gold doc {doc_id!r} has no file")
    for i, span in enumerate(record.get("gold_spans", [])):
        at = f"{where} span {i}"
        if not isinstance(span, dict) or list(span) != list(SPAN_KEYS):
            errors.append(f"{at}: keys must be {list(SPAN_KEYS)}")
            continue
        doc_id, start, end, text = (span[k] for k in SPAN_KEYS)
        if doc_id not in record["gold_doc_ids"]:
            errors.append(f"{at}: doc {doc_id!r} not among gold_doc_ids")
        if doc_id not in docs:
            errors.append(f"{at}: doc {doc_id!r} has no file")
            continue
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(docs[doc_id])):
            errors.append(f"{at}: bad offsets {start}..{end}")
        elif docs[doc_id][start:end] != text:
            errors.append(f"{at}: doc[{start}:{end}] != text")
    return errors


def check_corpus(root: Path) -> tuple[list[str], dict[str, int]]:
    """Validate one corpus folder; returns (errors, observed counts)."""
    errors: list[str] = []
    docs: dict[str, str] = {}
    for path in sorted((root / "docs").rglob("*")):
        if path.is_dir():
            continue
        if path.suffix != ".txt":
            errors.append(f"{path}: not a .txt file")
            continue
        try:
            doc_id = path.relative_to(root / "docs").with_suffix("").as_posix()
            docs[doc_id] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            errors.append(f"{path}: not UTF-8")
    observed = {"documents": len(docs), "questions": 0, "gold_spans": 0}
    for path in [root / "testsets" / f"{root.name}.jsonl"]:  # this script's test set, not others beside it
        ids: set[str] = set()
        for lineno, line in enumerate(path.read_bytes().decode("utf-8").split("\n")[:-1], start=1):
            where = f"{path.relative_to(root.parent)}:{lineno}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: {exc}")
                continue
            if record_line(record) != line:
                errors.append(f"{where}: line is not canonical json.dumps(ensure_ascii=False) output")
            errors.extend(check_record(record, docs, where))
            if isinstance(record, dict):
                if record.get("id") in ids:
                    errors.append(f"{where}: duplicate id {record.get('id')!r}")
                ids.add(record.get("id", ""))
                observed["gold_spans"] += len(record.get("gold_spans", []))
            observed["questions"] += 1
        if not path.read_bytes().endswith(b"\n"):
            errors.append(f"{path}: missing final newline")
    if root.name == "hotpotqa":
        titles = {doc_id: text.split("\n", 1)[0] for doc_id, text in docs.items()}
        expected, _, _ = assign_hotpot_doc_ids(list(titles.values()))
        for doc_id, title in titles.items():
            if expected.get(title) != doc_id:
                got = expected.get(title)
                errors.append(f"{root.name}/docs/{doc_id}.txt: first line {title!r} gives id {got}")
    declared = parse_source_counts(root / "SOURCE.md") if (root / "SOURCE.md").exists() else {}
    if not declared:
        errors.append(f"{root}/SOURCE.md: no '## Counts' section")
    for key, value in observed.items():
        if declared.get(key) != value:
            errors.append(f"{root.name}: SOURCE.md says {key}={declared.get(key)}, found {value}")
    return errors, {**declared, **observed}


def run_check(out: Path, corpora: list[str]) -> int:
    all_errors: list[str] = []
    for name in corpora:
        root = out / name
        if not root.is_dir():
            all_errors.append(f"{root}: missing")
            continue
        errors, counts = check_corpus(root)
        all_errors.extend(errors)
        summary = ", ".join(f"{k}={v}" for k, v in counts.items())
        print(f"{'FAIL' if errors else 'ok'}  {name}: {summary}")
    for error in all_errors[:50]:
        print(f"  error: {error}", file=sys.stderr)
    if len(all_errors) > 50:
        print(f"  ... and {len(all_errors) - 50} more errors", file=sys.stderr)
    return 1 if all_errors else 0


# --- CLI ---------------------------------------------------------------------------------------------


def resolve(path: str) -> Path:
    candidate = Path(path)
    return (candidate if candidate.is_absolute() else REPO_ROOT / candidate).resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--shared", default=DEFAULT_SHARED, help=f"source datasets folder (default: <repo>/{DEFAULT_SHARED})"
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: <repo>/{DEFAULT_OUT})")
    parser.add_argument("--check", action="store_true", help="only validate the existing output")
    args = parser.parse_args(argv)
    out = resolve(args.out)
    names = ["covid-qa", "hotpotqa"]
    if not args.check:
        shared = resolve(args.shared)
        try:
            converted = [convert_covid(shared), convert_hotpot(shared)]
        except (ConversionError, OSError, KeyError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for corpus in converted:
            write_corpus(out, corpus)
            print(f"wrote {out / corpus.name}: " + ", ".join(f"{k}={v}" for k, v in corpus.counts.items()))
    return run_check(out, names)


if __name__ == "__main__":
    sys.exit(main())
