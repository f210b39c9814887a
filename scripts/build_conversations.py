#!/usr/bin/env python3
"""Build the multi-turn sample test set ``datasets/hotpotqa/testsets/hotpotqa-conversations.jsonl`` from HotpotQA.

A HotpotQA *bridge* question hops through an entity that it never names: "Who directed the film that was shot in
or around Leland, North Carolina in 1986?" goes through *Maximum Overdrive*. Split at that entity, it becomes a
conversation of two turns — "Which film was shot in or around Leland, North Carolina in 1986?" (answer: the
bridge entity, evidence: the first paragraph) and "Who directed it?" (answer: the original answer, evidence: the
bridge entity's paragraph) — whose second turn cannot be answered, or even searched for, without the first.

The two questions of each conversation below were written by hand from the original question (nothing else about
the data is invented); every other value is taken from the converted test set ``testsets/hotpotqa.jsonl`` (ids,
gold documents, gold spans) and the upstream record (type, answer, supporting facts). The script refuses a
conversation unless, against the upstream data and the corpus:

* the upstream question is a bridge question with two supporting paragraphs;
* turn 1's answer (the bridge entity) occurs in turn 1's paragraph, and the original answer in turn 2's;
* turn 2 refers back (a pronoun) and does not name the bridge entity: it needs the history.

Turn 1's gold document is the paragraph that mentions the bridge entity, turn 2's the bridge entity's own paragraph;
each turn's gold spans are its paragraph's supporting-fact spans. Conversation ids are the HotpotQA ids; tags carry
the upstream level. Writes the test set and ``CONVERSATIONS.md`` (attribution and construction) and checks both
load as ragops test sets. Usage::

    python3 scripts/build_conversations.py [--shared ../shared/datasets] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

from ragops.config.testset import check_against_corpus, load_testset  # noqa: E402
from ragops.corpus import document_ids  # noqa: E402
from ragops.hashing import sha256_text  # noqa: E402

CORPUS = REPO_ROOT / "datasets" / "hotpotqa"
SOURCE = CORPUS / "testsets" / "hotpotqa.jsonl"
OUT = CORPUS / "testsets" / "hotpotqa-conversations.jsonl"
NOTES = CORPUS / "CONVERSATIONS.md"
UPSTREAM = "hotpotqa-hipporag100/hotpotqa_train.json"
UPSTREAM_SHA256 = "6c0e2689d03c94b3bb4d5f94ed806ea4f4eb4f46c12132f8e91df774ad5c5a22"
REFERRING = re.compile(r"\b(he|him|his|she|her|it|its|they|them|their)\b", re.IGNORECASE)

# HotpotQA id -> (turn 1 question, turn 1 answer = the bridge entity, turn 2 question). Written by hand.
SPLITS: dict[str, tuple[str, str, str]] = {
    "5a8718c25542991e771816c7": (
        "Which film was shot in or around Leland, North Carolina in 1986?",
        "Maximum Overdrive",
        "Who directed it?",
    ),
    "5ab3c131554299233954ff9c": (
        "Which publishing house published Grace Krilanovich's first novel?",
        "Two Dollar Radio",
        "Where is it based?",
    ),
    "5ac3983a554299657fa290f5": (
        "In which town was Kerry Saxby-Junna born?",
        "Young, New South Wales",
        "What was its population at the 2011 census?",
    ),
    "5a90478a55429933b8a204cc": (
        "Which mayor has the political consultant Scott Howell worked with?",
        "Rudy Giuliani",
        "Of what city was he the mayor?",
    ),
    "5a8a786e5542992d82986f25": (
        "Which real person is James Woods' character in the television film In Love and War based on?",
        "James Stockdale",
        "What medal was he awarded?",
    ),
    "5ae3b0005542992f92d82341": (
        "Which NFL team did Dick Humbert play for from 1945 to 1949?",
        "Philadelphia Eagles",
        "In what state are they based?",
    ),
    "5a874fc95542994775f607cb": (
        "Who resigned as the president of Israel before the Israeli presidential election, 2000?",
        "Ezer Weizman",
        "In what year was he born?",
    ),
    "5ae5fa555542996de7b71a9e": (
        "Toad Hall is a residential hall of which university?",
        "Australian National University",
        "In what Australian city is it located?",
    ),
    "5a906ec35542995b442420b0": (
        "Who received the Golden Shoe at the 2007 FIFA U-20 World Cup?",
        "Sergio Agüero",
        "What position did he play?",
    ),
    "5adffe83554299025d62a3a2": (
        "Which American actress is featured in the 2001 crime comedy film The Curse of the Jade Scorpion?",
        "Helen Hunt",
        "What did she star in for seven years?",
    ),
    "5ade7f165542992fa25da796": (
        "Which American contract killer was Philip Carlo a biographer of?",
        "Richard Kuklinski",
        "Members of what crime family was he associated with?",
    ),
    "5a7c09885542997c3ec972cc": (
        "On which network is Thumb Wrestling Federation?",
        "Cartoon Network",
        "Who founded it?",
    ),
    "5ae517895542993aec5ec134": (
        "Who produced the soundtrack of the film Natural Born Killers?",
        "Trent Reznor",
        "In what year was he born?",
    ),
}


class Refused(Exception):
    pass


def _same_entity(title: str, name: str) -> bool:
    """A paragraph title ("Helen Hunt", "Toad Hall (ANU)") and an entity name refer to the same thing."""
    return title.split(" (")[0].lower() in name.lower() or name.lower() in title.lower()


def _paragraph(doc_id: str) -> str:
    return (CORPUS / "docs" / f"{doc_id}.txt").read_text(encoding="utf-8")


def build_one(
    qid: str, split: tuple[str, str, str], upstream: dict[str, Any], converted: dict[str, Any]
) -> dict[str, Any]:
    opening, bridge, follow_up = split
    if upstream["type"] != "bridge":
        raise Refused(f"{qid}: not a bridge question")
    titles = list(dict.fromkeys(title for title, _ in upstream["supporting_facts"]))
    docs = converted["gold_doc_ids"]
    if len(titles) != 2 or len(docs) != 2:
        raise Refused(f"{qid}: not two supporting paragraphs")
    by_title = dict(zip(titles, docs, strict=True))  # both lists are in order of first supporting fact
    bridge_title = next((t for t in titles if _same_entity(t, bridge)), None)
    if bridge_title is None:
        raise Refused(f"{qid}: the bridge entity {bridge!r} is not one of the paragraphs {titles}")
    first = by_title[next(t for t in titles if t != bridge_title)]
    second = by_title[bridge_title]
    if bridge.lower() not in _paragraph(first).lower():
        raise Refused(f"{qid}: turn 1's answer {bridge!r} is not in {first}")
    answer = converted["answers"][0]
    if answer.lower() not in _paragraph(second).lower():
        raise Refused(f"{qid}: the answer {answer!r} is not in {second}")
    if not REFERRING.search(follow_up) or bridge.lower() in follow_up.lower():
        raise Refused(f"{qid}: turn 2 must refer back to the bridge entity without naming it")
    spans = converted.get("gold_spans", [])
    level = next(t for t in converted["tags"] if t.startswith("level:"))
    return {
        "id": qid,
        "tags": ["bridge", level],
        "turns": [
            {
                "question": opening,
                "answers": [bridge],
                "gold_doc_ids": [first],
                "gold_spans": [s for s in spans if s["doc_id"] == first],
            },
            {
                "question": follow_up,
                "answers": [answer],
                "gold_doc_ids": [second],
                "gold_spans": [s for s in spans if s["doc_id"] == second],
            },
        ],
    }


def notes(count: int) -> str:
    listing = "\n".join(f"- `{qid}`: {opening} → {follow}" for qid, (opening, _, follow) in SPLITS.items())
    return f"""# Conversations built from HotpotQA (`testsets/hotpotqa-conversations.jsonl`)

Generated by `scripts/build_conversations.py`. Do not edit by hand: change the script and rerun it.

## Origin and license
- Derived from the HotpotQA 100-question subset described in `SOURCE.md` (HotpotQA, Yang et al., EMNLP 2018,
  https://hotpotqa.github.io/, train split; subset selected by HippoRAG). Upstream file `{UPSTREAM}`, sha256
  `{UPSTREAM_SHA256}` (the script verifies it).
- License: CC BY-SA 4.0, as the rest of this folder's data (`LICENSE.hotpotqa.md`): the questions below are
  adaptations of HotpotQA questions, shared under the same license.

## Construction
- {count} conversations of two turns, one per HotpotQA *bridge* question listed below. Each is split at the
  question's bridge entity: turn 1 asks for it (answer: the entity; gold: the paragraph that mentions it), turn 2
  asks the rest with a pronoun in its place (answer: the original answer; gold: the entity's own paragraph).
- The turn questions were written by hand from the original question; ids, gold documents and gold spans are
  copied from `testsets/hotpotqa.jsonl`, answers from the upstream record.
- Checked for every conversation: a bridge question with two supporting paragraphs; turn 1's answer occurs in
  turn 1's paragraph and the original answer in turn 2's; turn 2 refers back and does not name the entity.
- Conversation id = HotpotQA `_id`; the evaluation scores the turns as `<id>#1` and `<id>#2`, tagged `turn:1` and
  `turn:2`, with tags `bridge` and the upstream level.

## Conversations
{listing}
"""


def build(shared: Path) -> tuple[str, str]:
    upstream_path = shared / UPSTREAM
    raw = upstream_path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != UPSTREAM_SHA256:
        raise Refused(f"{upstream_path} is not the expected upstream file (sha256 differs)")
    upstream = {r["_id"]: r for r in json.loads(raw)}
    converted = {r["id"]: r for r in map(json.loads, SOURCE.read_text(encoding="utf-8").splitlines())}
    lines = [
        json.dumps(build_one(qid, split, upstream[qid], converted[qid]), ensure_ascii=False)
        for qid, split in SPLITS.items()
    ]
    return "".join(line + "\n" for line in lines), notes(len(lines))


def check() -> list[str]:
    loaded = load_testset(OUT, OUT.name)
    problems = [d.render_text() for d in loaded.diagnostics]
    problems += [d.render_text() for d in check_against_corpus(loaded, OUT.name, document_ids(CORPUS / "docs"))]
    if len(loaded.records) != 2 * len(SPLITS):
        problems.append(f"{OUT}: {len(loaded.records)} turns, expected {2 * len(SPLITS)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", default="../shared/datasets", help="the upstream datasets folder")
    parser.add_argument("--check", action="store_true", help="only check that the written files are current")
    args = parser.parse_args(argv)
    shared = Path(args.shared) if Path(args.shared).is_absolute() else REPO_ROOT / args.shared
    try:
        text, readme = build(shared)
    except (Refused, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        written = [path.read_text(encoding="utf-8") if path.is_file() else None for path in (OUT, NOTES)]
        if written != [text, readme]:
            print(f"error: {OUT.name} or {NOTES.name} is stale: rerun scripts/build_conversations.py", file=sys.stderr)
            return 1
    else:
        OUT.write_text(text, encoding="utf-8")
        NOTES.write_text(readme, encoding="utf-8")
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        digest = sha256_text(text)[:12]
        print(f"ok  {OUT.relative_to(REPO_ROOT)}: {len(SPLITS)} conversations, {2 * len(SPLITS)} turns ({digest})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
