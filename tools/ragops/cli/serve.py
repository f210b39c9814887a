"""``ragops serve --config APP.yaml --index DIR``: run the RAG service (FastAPI + uvicorn) for one release."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ragops.app.serve import serve
from ragops.errors import EXIT_OK
from ragops.serve.models import MAX_QUESTION_CHARS
from ragops.serve.settings import ServeSettings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve an app's index over HTTP (query, feedback, health, metrics)",
        description="Verify the index against the config (and the release manifest), then serve POST /v1/query, "
        "POST /v1/feedback, GET /healthz, /readyz and /metrics. Refuses to start on any mismatch.",
    )
    parser.add_argument("--config", type=Path, required=True, help="the app's RAG config (APP.yaml)")
    parser.add_argument("--index", type=Path, required=True, help="the index folder (from ragops artifact fetch)")
    parser.add_argument("--release", type=Path, help="release.json (default: one next to the config, if any)")
    parser.add_argument("--feedback-dir", type=Path, help="where feedback is stored (feedback is off without it)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, each loads the model (default 1)")
    parser.add_argument(
        "--threads",
        type=int,
        help="batches answered at once per worker (default: one per CPU the worker may use, at most 4)",
    )
    parser.add_argument(
        "--compute-threads",
        type=int,
        help="CPU threads the model uses per batch (default: the worker's CPUs divided by --threads)",
    )
    parser.add_argument("--max-batch", type=int, default=32, help="questions answered per batch (default 32)")
    parser.add_argument(
        "--max-wait-ms", type=float, default=0.0, help="wait for more questions before a batch (default 0)"
    )
    parser.add_argument(
        "--memory-trim-s",
        type=float,
        default=5.0,
        help="seconds between returning freed memory to the system; 0 never (default 5)",
    )
    parser.add_argument("--max-body-bytes", type=int, default=64 * 1024, help="largest request body (default 64 KiB)")
    parser.add_argument(
        "--max-question-chars",
        type=int,
        default=MAX_QUESTION_CHARS,
        help=f"longest question accepted (default {MAX_QUESTION_CHARS})",
    )
    parser.add_argument(
        "--log-questions",
        action="store_true",
        help="include question text in the request log (redacted as the app's spec.privacy says)",
    )
    parser.add_argument(
        "--feedback-text",
        action="store_true",
        help="keep question and comment text with feedback (redacted as the app's spec.privacy says); without it "
        "the feedback folder holds ratings, answers and sources only",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = ServeSettings(
        config=args.config,
        index=args.index,
        release=args.release,
        feedback_dir=args.feedback_dir,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        compute_threads=args.compute_threads,
        max_batch=args.max_batch,
        max_wait_ms=args.max_wait_ms,
        memory_trim_s=args.memory_trim_s,
        max_body_bytes=args.max_body_bytes,
        max_question_chars=args.max_question_chars,
        log_questions=args.log_questions,
        feedback_text=args.feedback_text,
        log_level=args.log_level,
    )
    serve(settings)
    return EXIT_OK
