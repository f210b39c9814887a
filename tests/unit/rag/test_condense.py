"""The condense step: the documented rule, and the LLM condenser against an OpenAI-compatible endpoint on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from ragops.config.models import ConversationSpec, LLMSpec
from ragops.config.testset import PriorTurn
from ragops.errors import InfrastructureError
from ragops.rag.condense_llm import LLMCondenser
from ragops.rag.condense_rule import RuleCondenser, names, refers_back
from tests.conftest import free_loopback_port

MVP = PriorTurn(question="Who was the MVP of the 2015 Diamond Head Classic?", answer="Buddy Hield")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Who was the MVP of the 2015 Diamond Head Classic?", ["MVP", "2015 Diamond Head Classic"]),
        ("The Nile delta is one of the largest deltas in the world.", ["Nile"]),
        ("Ælfgar, Earl of Mercia was exiled.", ["Ælfgar", "Earl of Mercia"]),
        ("What is COVID-19 caused by?", ["COVID-19"]),
        ("It was founded in 1998.", []),
        ("what about the alpha protocol?", []),
    ],
)
def test_names_are_capitalised_runs_without_leading_function_words(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_the_rule_carries_the_newest_names_into_a_question_that_refers_back() -> None:
    rule = RuleCondenser(ConversationSpec(carry_names=2))
    carried = rule.standalone("Which team does he play for?", [MVP])
    assert carried.question == "Which team does he play for? (Buddy Hield; MVP)" and carried.carried
    assert refers_back("Which team does he play for?") and not refers_back("Which team won?")
    # A new topic names its own subject and refers to nothing: used as asked.
    assert rule.standalone("Where was Sergio Agüero born?", [MVP]).carried is False
    # No names of its own and no pronoun: still carried ("Which team won?" after the MVP question).
    assert rule.standalone("Which team won?", [MVP]).question == "Which team won? (Buddy Hield; MVP)"
    # Newest turn first; names already in the question are not repeated.
    later = PriorTurn(question="Which team does Buddy Hield play for?", answer="Sacramento Kings")
    assert rule.standalone("When did he join them?", [MVP, later]).question == (
        "When did he join them? (Sacramento Kings; Buddy Hield)"
    )


def test_the_rule_reads_only_recent_short_questions() -> None:
    rule = RuleCondenser(ConversationSpec(n_last_interactions=1, trigger_context=40))
    old = PriorTurn(question="What is Alpha?", answer="Alpha is a protocol.")
    assert rule.standalone("Who designed it?", [MVP, old]).question == "Who designed it? (Alpha)"
    long_question = "Who designed it and when, in as much detail as the sources give?"
    assert rule.standalone(long_question, [old]).question == long_question
    assert rule.standalone("Who designed it?", []).carried is False


class _Chat(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that records the prompts it gets and replies with ``reply``."""

    prompts: ClassVar[list[str]] = []
    reply: ClassVar[str] = ""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).prompts.append(body["messages"][-1]["content"])
        answer: dict[str, Any] = {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": self.reply}}],
            "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_loopback_port()), _Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Chat.prompts.clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()


def _condenser(base_url: str) -> LLMCondenser:
    llm = LLMSpec(provider="openai", model="m", base_url=base_url, max_retries=0, timeout_s=5)
    return LLMCondenser(ConversationSpec(n_last_interactions=1), llm, "English")


def test_the_llm_is_given_the_recent_history_and_its_first_line_is_the_question(endpoint: str) -> None:
    _Chat.reply = "Standalone question: Which team does Buddy Hield play for?\nBecause he was the MVP."
    older = PriorTurn(question="What is Alpha?", answer="A protocol.")
    result = _condenser(endpoint).standalone("Which team does he play for?", [older, MVP])
    assert result.question == "Which team does Buddy Hield play for?" and result.carried
    assert (result.prompt_tokens, result.completion_tokens) == (42, 7)
    (prompt,) = _Chat.prompts
    assert "User: Who was the MVP of the 2015 Diamond Head Classic?\nAssistant: Buddy Hield" in prompt
    assert "What is Alpha?" not in prompt  # n_last_interactions: 1
    assert "Follow-up question: Which team does he play for?" in prompt and "write it in English" in prompt


@pytest.mark.parametrize("reply", ["1", "", "  \n"])
def test_kotaemons_keep_as_asked_replies_and_empty_ones_keep_the_question(endpoint: str, reply: str) -> None:
    _Chat.reply = reply
    result = _condenser(endpoint).standalone("Which team does he play for?", [MVP])
    assert result.question == "Which team does he play for?" and not result.carried


def test_an_unreachable_llm_is_an_infrastructure_error_naming_it() -> None:
    unreachable = f"http://127.0.0.1:{free_loopback_port()}/v1"
    with pytest.raises(InfrastructureError, match="cannot reach"):
        _condenser(unreachable).standalone("Which team does he play for?", [MVP])
