"""The chat page at ``/`` in a real browser: Debian's Chromium driven by Playwright (tests/support/browser.py) against
``ragops serve`` on loopback with the COVID-QA sample app, a real redis-server as the conversation store.

Screenshots of the main states are written to ``test-artifacts/chat-page/`` (``RAGOPS_TEST_ARTIFACTS`` moves it),
with the page's figures from the browser's Performance API: the first answer on screen after load and the page's
weight. They are printed, not asserted: timings on a shared machine are not a test.
"""

# ruff: noqa: F811  (the session fixtures from tests.support are imported by name)
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from ragops.artifacts.archive import folder_digest
from tests.conftest import REPO_ROOT
from tests.support.browser import DESKTOP, PHONE, axe_violations, chromium
from tests.support.chat_endpoint import chat_endpoint
from tests.support.covid_app import APP, SampleApp, covid_app  # noqa: F401  (fixture)
from tests.support.redis_server import RedisServer, running_redis
from tests.support.serving import STARTUP_S, Served, start

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("RAGOPS_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "chat-page"
RELEASE_ID = "covid-qa-2026-12-07-4f2a9c1"
ENVIRONMENT = "staging"
ANSWER_S = 60  # the longest a test waits for an answer on a loaded machine
# IFITM is named in the first question only; the follow-up refers back to it ("its"), so the condense rule carries
# the name into it.
FIRST = "What is IFITM?"
FOLLOW_UP = "Which virus infections does it restrict?"
TOKEN = "page-test-token-5b1f0e"
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class PageService:
    served: Served
    feedback: Path
    redis: RedisServer

    @property
    def url(self) -> str:
        return f"{self.served.base_url}/"


@dataclass
class Watch:
    """What the browser complained about: Content-Security-Policy violations and uncaught script errors."""

    csp: list[str]
    exceptions: list[str]


@pytest.fixture(scope="module")
def service(covid_app: SampleApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageService]:
    folder = tmp_path_factory.mktemp("page-service")
    release = folder / "release.json"
    manifest = {
        "schema_version": 1,
        "app": APP,
        "environment": ENVIRONMENT,
        "release_id": RELEASE_ID,
        "index": {"uri": "", "digest": folder_digest(covid_app.index), "index_id": "covid-qa-page"},
        "evaluation": {"run_id": "run-page", "metrics": {"hit_rate@5": 0.86}, "gate": "pass"},
    }
    release.write_text(json.dumps(manifest), encoding="utf-8")
    with running_redis(folder / "redis") as redis_server:
        served = start(
            covid_app.config,
            covid_app.index,
            folder / "serve.log",
            "--release",
            str(release),
            "--feedback-dir",
            str(folder / "feedback"),
            "--feedback-text",  # keep the question and the comment with the rating: the test finds them there
            "--redis-url",
            redis_server.url,
        )
        try:
            yield PageService(served, folder / "feedback", redis_server)
        finally:
            served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _watch(page: Page) -> Watch:
    watch = Watch([], [])

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            watch.csp.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: watch.exceptions.append(str(error)))
    return watch


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    watch = _watch(opened)
    try:
        yield opened
    finally:
        context.close()
    assert watch.csp == [], "the page broke its own Content-Security-Policy"
    assert watch.exceptions == [], "the page's script failed"


# Resolves once the page has stopped scrolling (the page scrolls smoothly to a new answer): five frames alike.
SETTLED = """() => new Promise((done) => {
  let last = -1, same = 0;
  const frame = () => {
    same = window.scrollY === last ? same + 1 : 0;
    last = window.scrollY;
    if (same >= 5) done(); else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})"""


def _shoot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate(SETTLED)
    page.screenshot(path=str(path), animations="disabled")
    return path


def _ask(page: Page, question: str) -> Locator:
    """Type ``question``, send it with Enter, and wait for its answer; the turn's article."""
    before = page.locator("article.turn").count()
    page.locator("#question").fill(question)
    page.locator("#question").press("Enter")
    turn = page.locator("article.turn").nth(before)
    expect(turn.locator(".reply").first).not_to_have_class(re.compile("pending"), timeout=ANSWER_S * 1000)
    return turn


def _serious(page: Page, state: str) -> list[str]:
    found = axe_violations(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{state}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in found if v["impact"] in SERIOUS]


def _hidden_free(text: str) -> str:
    return text.replace("Supporting sentence: ", "").strip()


def _check_citations(turn: Locator) -> list[str]:
    """Every citation in the answer links to a source shown in the same turn, marked cited, with its supporting
    sentences highlighted in its passage; the highlighted sentences."""
    links = turn.locator("a.cite")
    assert links.count() >= 1, "the answer has no citation"
    highlighted = []
    for number in range(links.count()):
        target = links.nth(number).get_attribute("href")
        assert target is not None and target.startswith("#")
        source = turn.locator(target)
        expect(source).to_have_count(1)
        expect(source.locator(".badge")).to_have_text("cited")
        # One highlighted sentence or more: an answer may copy two sentences of the same passage.
        marks = source.locator("mark")
        expect(marks.first).to_be_visible()
        passage = _hidden_free(source.locator(".passage").text_content() or "")
        for sentence in (_hidden_free(text) for text in marks.all_text_contents()):
            assert sentence and sentence in passage
            highlighted.append(sentence)
    return highlighted


def _turns_stored(redis_server: RedisServer) -> dict[str, int]:
    client = redis_server.client()
    return {key.decode(): client.llen(key) for key in client.scan_iter(match=f"ragops:chat:{APP}:*:turns")}


def _figures(page: Page) -> dict[str, Any]:
    figures: dict[str, Any] = page.evaluate(
        """() => {
          const answer = performance.getEntriesByName("ragops:answer")[0];
          const asked = performance.getEntriesByName("ragops:ask")[0];
          const navigation = performance.getEntriesByType("navigation")[0];
          const parts = {html: navigation.decodedBodySize, css: 0, js: 0};
          for (const entry of performance.getEntriesByType("resource")) {
            const path = new URL(entry.name).pathname;
            if (path.endsWith(".css")) parts.css += entry.decodedBodySize;
            if (path.endsWith(".js")) parts.js += entry.decodedBodySize;
          }
          return {
            first_answer_after_load_ms: answer.startTime,
            ask_to_answer_ms: answer.startTime - asked.startTime,
            page_loaded_ms: navigation.loadEventEnd,
            bytes: parts,
          };
        }"""
    )
    return figures


def test_an_answer_cites_the_sources_shown_and_the_conversation_continues(
    page: Page, service: PageService, capsys: pytest.CaptureFixture[str]
) -> None:
    response = page.goto(service.url)
    assert response is not None and response.ok
    first = _ask(page, FIRST)  # at once, as a user who knows their question: the figure is load to answer
    figures = _figures(page)
    expect(page.locator("#title")).to_have_text(f"Ask {APP}")
    expect(page.locator("#release")).to_contain_text(RELEASE_ID)
    expect(page.locator("#release")).to_contain_text(ENVIRONMENT)
    expect(page.locator("#mode")).to_contain_text("Conversation")
    highlighted = _check_citations(first)
    answer = _hidden_free(first.locator(".answer").text_content() or "").replace("Answer: ", "")
    # The extractive answer is made of the passages' sentences: each highlight is one of them.
    assert all(sentence in answer for sentence in highlighted), (highlighted, answer)
    link = first.locator("a.cite").first
    link.click()
    expect(first.locator(link.get_attribute("href") or "")).to_be_focused()
    _shoot(page, "02-answer")
    # The first turn alone: the screenshot docs/images/chat-page.png is taken from.
    page.evaluate(SETTLED)
    first.screenshot(path=str(ARTIFACTS / "02-answer-turn.png"), animations="disabled")

    second = _ask(page, FOLLOW_UP)
    expect(second.locator(".standalone")).to_contain_text("IFITM")
    _check_citations(second)
    stored = _turns_stored(service.redis)
    assert list(stored.values()) == [2], stored  # one conversation, both turns
    _shoot(page, "03-conversation")

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("article.turn")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("Started a new conversation.")
    expect(page.locator("#question")).to_be_focused()
    _ask(page, FIRST)
    assert sorted(_turns_stored(service.redis).values()) == [1, 2]  # a second conversation was started

    weight = sum(figures["bytes"].values())
    (ARTIFACTS / "figures.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    with capsys.disabled():
        print(
            f"\nchat page, covid-qa on loopback: first answer on screen {figures['first_answer_after_load_ms']:.0f} ms "
            f"after load started (asking to answer {figures['ask_to_answer_ms']:.0f} ms; target <= 1000 ms); "
            f"page weight {weight / 1024:.1f} KB uncompressed (HTML {figures['bytes']['html']} B, "
            f"CSS {figures['bytes']['css']} B, JS {figures['bytes']['js']} B; target <= 100 KB)"
        )


def test_rating_down_with_a_comment_by_keyboard_is_stored(page: Page, service: PageService) -> None:
    page.goto(service.url)
    question = "What is the population of Shandong province?"
    turn = _ask(page, question)
    down = turn.get_by_role("button", name="Not helpful")
    down.focus()
    page.keyboard.press("Enter")
    expect(down).to_have_attribute("aria-pressed", "true")
    comment = turn.get_by_label("What was wrong or missing? (optional)")
    expect(comment).to_be_focused()
    page.keyboard.type("It gives no number of people.")
    page.keyboard.press("Tab")
    expect(turn.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")
    expect(turn.locator(".thanks")).to_have_text("Thank you: your feedback was recorded.")
    _shoot(page, "04-feedback")

    lines = [json.loads(line) for line in (service.feedback / "feedback.jsonl").read_text().splitlines()]
    rated = [line for line in lines if line["request"]["question"] == question]
    assert len(rated) == 1
    assert rated[0]["rating"] == "down" and rated[0]["comment"] == "It gives no number of people."
    assert rated[0]["request"]["release"] == RELEASE_ID


def test_no_serious_or_critical_accessibility_violations_in_light_and_dark(page: Page, service: PageService) -> None:
    page.goto(service.url)
    expect(page.locator("#release")).to_contain_text(RELEASE_ID)
    _shoot(page, "01-empty")
    problems = {"empty": _serious(page, "empty")}
    turn = _ask(page, FIRST)
    turn.locator("details.also summary").click()
    turn.get_by_role("button", name="Helpful", exact=True).click()
    problems["answer"] = _serious(page, "answer")
    page.emulate_media(color_scheme="dark")
    problems["answer-dark"] = _serious(page, "answer-dark")
    _shoot(page, "05-dark")
    assert problems == {"empty": [], "answer": [], "answer-dark": []}


def test_the_page_works_at_a_phone_sized_viewport(browser: Browser, service: PageService) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        watch = _watch(phone)
        phone.goto(service.url)
        phone.locator("#question").tap()
        phone.locator("#question").fill(FIRST)
        phone.get_by_role("button", name="Ask", exact=True).tap()
        turn = phone.locator("article.turn").first
        expect(turn.locator(".reply").first).not_to_have_class(re.compile("pending"), timeout=ANSWER_S * 1000)
        _check_citations(turn)
        width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
        for control in (phone.locator("#send"), turn.get_by_role("button", name="Not helpful")):
            box = control.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert box["height"] >= 44, "a touch target smaller than 44 px"
        assert _serious(phone, "phone") == []
        _shoot(phone, "06-phone")
        assert watch.csp == [] and watch.exceptions == []
    finally:
        context.close()


def _cite_the_first_source(prompt: str) -> str:
    """An LLM's answer that copies the first retrieved passage's first sentence and cites it as [1]."""
    passage = prompt.split("[1] (source: ", 1)[-1].split("\n", 1)[-1]
    sentence = re.split(r"(?<=[.!?])\s", passage.strip(), maxsplit=1)[0].strip()
    return f"{sentence} [1]"


def test_a_guarded_service_asks_for_the_token_once_and_says_when_it_is_not_ready_limited_or_asked_too_much(
    browser: Browser, covid_app: SampleApp, tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# the page's test token\n{TOKEN}\n", encoding="utf-8")
    with chat_endpoint(_cite_the_first_source, held=True) as llm:
        config = covid_app.config.with_name("covid-qa-llm.yaml")
        text = covid_app.config.read_text(encoding="utf-8")
        llm_section = f"  llm:\n    provider: openai\n    model: stub\n    base_url: {llm.base_url}\n"
        config.write_text(re.sub(r"  llm:\n(    .*\n)+", llm_section, text), encoding="utf-8")
        served = start(
            config,
            covid_app.index,
            tmp_path / "serve.log",
            "--auth-tokens-file",
            str(tokens),
            "--rate-limit",
            "0.2",
            "--rate-limit-burst",
            "3",
            "--max-question-chars",
            "300",
            "--feedback-dir",  # without --feedback-text: no comment would be kept, so none is asked for
            str(tmp_path / "feedback"),
            wait_ready=False,
        )
        context = browser.new_context(viewport=DESKTOP)
        try:
            # The engine warms up with one question to the LLM, which holds it: the service stays not ready.
            assert llm.arrived.wait(STARTUP_S), served.log.read_text()
            assert httpx.get(f"{served.base_url}/readyz").status_code == 503
            page = context.new_page()
            watch = _watch(page)
            page.goto(f"{served.base_url}/")
            dialog = page.locator("#token-dialog")
            expect(dialog).to_be_visible()
            expect(page.locator("#token")).to_be_focused()
            assert _serious(page, "token") == []
            _shoot(page, "07-token")
            page.keyboard.type("not-the-token")
            page.keyboard.press("Enter")
            expect(dialog).to_be_hidden()
            expect(page.locator("#status")).to_contain_text("not ready yet")

            page.locator("#question").fill(FIRST)
            page.locator("#question").press("Enter")
            expect(dialog).to_be_visible()
            expect(page.locator("#token-why")).to_contain_text("not accepted")
            page.locator("#token").fill(TOKEN)
            page.locator("#token").press("Enter")
            # The question is sent again with the token: conversations are off here (no Redis), so the page falls
            # back to single questions, and the service is not ready.
            expect(page.locator("#alert")).to_contain_text("not ready yet")
            expect(page.locator("#mode")).to_contain_text("Single questions")
            _shoot(page, "08-not-ready")

            llm.release()
            expect(page.locator("#status")).to_have_text(
                "The service is ready now. Ask your question.", timeout=STARTUP_S * 1000
            )
            turn = _ask(page, FIRST)
            # The LLM wrote "[1]": the page turns it into a link to source 1, whose first sentence it copied.
            highlighted = _check_citations(turn)
            assert llm.prompts[-1].count("[1] (source:") == 1 and highlighted
            assert "[1]" in (turn.locator("a.cite").first.text_content() or "")
            turn.get_by_role("button", name="Helpful", exact=True).click()  # sent at once: no comment box
            expect(turn.locator(".thanks")).to_have_text("Thank you: your feedback was recorded.")
            expect(turn.locator("textarea")).to_have_count(0)
            stored = json.loads((tmp_path / "feedback" / "feedback.jsonl").read_text().splitlines()[-1])
            assert stored["rating"] == "up" and stored["comment"] is None and stored["request"]["question"] is None

            page.reload()
            expect(page.locator("#title")).to_have_text(f"Ask {APP}")
            expect(dialog).to_be_hidden()  # asked once: the token is kept for the tab

            page.locator("#question").fill("why " * 80)
            page.locator("#question").press("Enter")
            expect(page.locator("#alert")).to_contain_text("Your question is too long: it has 319 characters")
            expect(page.locator("#count")).to_contain_text("of at most 300 characters")

            limited = page.locator("#alert")
            for _ in range(8):
                page.locator("#question").fill(FIRST)
                page.locator("#question").press("Enter")
                expect(page.locator("#send")).to_have_text("Ask", timeout=ANSWER_S * 1000)
                if "faster than this service allows" in (limited.text_content() or ""):
                    break
            expect(limited).to_contain_text("You are sending questions faster than this service allows")
            _shoot(page, "09-rate-limited")
            assert watch.csp == [] and watch.exceptions == []
        finally:
            context.close()
            served.stop()
