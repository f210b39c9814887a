"""``ragops query CONFIG QUESTION``: answer one question with an app (building its index first if needed)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ragops.cli.index import add_location_options, load_config
from ragops.errors import EXIT_OK
from ragops.progress import ProgressRenderer

if TYPE_CHECKING:  # the engine (FAISS, the embedding client) takes seconds to import: only when querying
    from ragops.rag.engine import Answer

_PREVIEW = 160


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "query",
        help="answer a question with an app",
        description="Answer one question with an app's retrieval and generation settings; prints the answer, "
        "the cited sources and the retrieved chunks with their scores.",
    )
    add_location_options(parser)
    parser.add_argument("question", help="the question, quoted")
    parser.add_argument("--json", action="store_true", help="print the answer, hits, latencies and tokens as JSON")
    parser.set_defaults(run=run)


def render(answer: Answer) -> str:
    lines = [
        answer.answer or "(no answer)",
        "",
        f"sources: {', '.join(answer.citations) or '(none cited)'}",
        "hits:",
    ]
    for hit in answer.hits:
        preview = " ".join(hit.text.split())
        preview = preview if len(preview) <= _PREVIEW else preview[: _PREVIEW - 1] + "…"
        lines.append(f"  {hit.rank:>2}. {hit.score:8.4f}  {hit.doc_id} [{hit.start}:{hit.end}]  {preview}")
    latency = ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in answer.latency_ms.items())
    lines.append(f"latency: {latency}; tokens: prompt {answer.prompt_tokens}, completion {answer.completion_tokens}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ragops.app.query import answer_question  # the engine takes seconds to import: only when querying

    config, root = load_config(args)
    answer = answer_question(config, root, args.question, args.index_dir, args.cache_dir, ProgressRenderer())
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render(answer))
    return EXIT_OK
