"""``ragops serve --config APP.yaml --index DIR``: run the RAG service (FastAPI + uvicorn) for one release."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ragops.app.serve import serve
from ragops.errors import EXIT_OK, UsageError
from ragops.serve.access_settings import AccessSettings
from ragops.serve.conversation_settings import ConversationSettings
from ragops.serve.models import MAX_QUESTION_CHARS
from ragops.serve.settings import ServeSettings

_CONVERSATIONS = ConversationSettings()


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve an app's index over HTTP (query, feedback, health, metrics)",
        description="Verify the index against the config (and the release manifest), then serve POST /v1/query, "
        "POST /v1/chat (with --redis-url), POST /v1/feedback, GET /healthz, /readyz and /metrics. Refuses to start "
        "on any mismatch.",
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
    chat = parser.add_argument_group("conversations (POST /v1/chat)")
    chat.add_argument(
        "--redis-url",
        help="the conversation store, redis://HOST:PORT/DB (rediss:// for TLS); /v1/chat is off without it",
    )
    chat.add_argument("--redis-password-file", type=Path, help="a file holding the Redis password (a mounted Secret)")
    chat.add_argument(
        "--chat-max-turns",
        type=int,
        default=_CONVERSATIONS.max_turns,
        help=f"turns kept per conversation, oldest dropped first (default {_CONVERSATIONS.max_turns})",
    )
    chat.add_argument(
        "--chat-max-chars",
        type=int,
        default=_CONVERSATIONS.max_chars,
        help=f"characters of questions and answers kept per conversation (default {_CONVERSATIONS.max_chars})",
    )
    chat.add_argument(
        "--chat-ttl-s",
        type=int,
        default=_CONVERSATIONS.ttl_s,
        help=f"seconds a conversation is kept after its last turn (default {_CONVERSATIONS.ttl_s})",
    )
    access = parser.add_argument_group("access to /v1/* (/healthz, /readyz and /metrics stay open)")
    access.add_argument(
        "--auth-tokens-file",
        type=Path,
        help="require Authorization: Bearer with one of the tokens in this file (one a line; re-read when it changes)",
    )
    access.add_argument("--rate-limit", type=float, help="requests per second per client, sustained (default: off)")
    access.add_argument("--rate-limit-burst", type=int, help="requests a client may send at once (default: 2 s' worth)")
    access.add_argument(
        "--forwarded-allow-ips",
        default=AccessSettings().forwarded_allow_ips,
        help="proxies whose X-Forwarded-For names the client, comma-separated, '*' for any (default 127.0.0.1: a "
        "sidecar proxy)",
    )
    parser.set_defaults(run=run)


# Settings whose option is not "--" + the field name with dashes, by (settings model, field).
_OPTIONS = {
    ("ConversationSettings", "max_turns"): "--chat-max-turns",
    ("ConversationSettings", "max_chars"): "--chat-max-chars",
    ("ConversationSettings", "ttl_s"): "--chat-ttl-s",
    ("AccessSettings", "tokens_file"): "--auth-tokens-file",
    ("AccessSettings", "rate_burst"): "--rate-limit-burst",
}


def _refused(exc: ValidationError) -> UsageError:
    """An option value the settings refuse, named by its option (a usage error, not a traceback)."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][-1]) if error["loc"] else ""
        option = _OPTIONS.get((exc.title, field), "--" + field.replace("_", "-"))
        problems.append(f"{option}: {error['msg']}")
    return UsageError("; ".join(problems))


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ValidationError as exc:
        raise _refused(exc) from None
    serve(settings)
    return EXIT_OK


def _settings(args: argparse.Namespace) -> ServeSettings:
    return ServeSettings(
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
        conversations=ConversationSettings(
            redis_url=args.redis_url,
            redis_password_file=args.redis_password_file,
            max_turns=args.chat_max_turns,
            max_chars=args.chat_max_chars,
            ttl_s=args.chat_ttl_s,
        ),
        access=AccessSettings(
            tokens_file=args.auth_tokens_file,
            rate_limit=args.rate_limit,
            rate_burst=args.rate_limit_burst,
            forwarded_allow_ips=args.forwarded_allow_ips,
        ),
    )
