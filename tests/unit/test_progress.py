"""ragops.progress: rate and time left, throttled lines off a terminal, a live bar on one, and the JSON lines
that carry a pipeline step's progress to the parent process."""

from __future__ import annotations

import io
import json

import pytest

from ragops import logs
from ragops.progress import ProgressRenderer, StepEmitter, StepProgress, format_seconds, parse_step_line


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_shows_counts_rate_and_time_left() -> None:
    renderer = ProgressRenderer(live=False)
    assert renderer.line("embed", 0, 2552, 0.0) == "embedding chunks 0/2552 chunks"
    assert renderer.line("embed", 1000, 2552, 10.0) == "embedding chunks 1000/2552 chunks · 100.0/s · 16 s left"
    assert renderer.line("embed", 2552, 2552, 95.0) == "embedding chunks 2552/2552 chunks in 1 min 35 s"
    assert renderer.line("load", 0, 1, 0.0) == "reading documents …"
    assert format_seconds(59.4) == "59 s" and format_seconds(3600) == "60 min 00 s"


def test_off_a_terminal_a_stage_is_shown_at_start_every_interval_and_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    with logs.session("json", run_id="p1"):
        progress = ProgressRenderer(live=False, interval_s=5.0, clock=clock, step="build-index")
        for done in range(0, 101, 10):  # one report a second for ten seconds
            progress("embed", done, 100)
            clock.now += 1.0
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [e["done"] for e in events] == [0, 50, 100]
    assert all(e["event"] == "progress" and e["step"] == "build-index" and e["total"] == 100 for e in events)
    middle = events[1]
    assert middle["rate_per_s"] == 10.0 and middle["eta_s"] == 5.0
    assert middle["message"] == "embedding chunks 50/100 chunks · 10.0/s · 5 s left"


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_ended_with_a_newline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    with logs.session("text"):
        progress = ProgressRenderer(live=True, clock=clock)
        progress("embed", 0, 4)
        clock.now += 1.0
        progress("embed", 2, 4)
        clock.now += 1.0
        progress("embed", 4, 4)
    err = capsys.readouterr().err
    frames = err.split("\r")[1:]
    assert len(frames) == 3 and err.endswith("\n") and err.count("\n") == 1
    assert "[████████████░░░░░░░░░░░░] 2/4 chunks · 2.0/s · 1 s left" in frames[1]
    assert "4/4 chunks in 2 s" in frames[2]


def test_a_step_emits_json_lines_that_the_parent_parses_back() -> None:
    clock = Clock()
    out = io.StringIO()
    emitter = StepEmitter("build-index", stream=out, clock=clock, interval_s=1.0)
    emitter("embed", 0, 300)
    for done in range(64, 300, 64):  # four reports within the same second: only the first is written
        emitter("embed", done, 300)
    clock.now += 1.5
    emitter("embed", 290, 300)
    emitter("embed", 300, 300)  # the last one is always written
    parsed = [parse_step_line("    " + line) for line in out.getvalue().splitlines()]
    assert parsed == [
        ("build-index", "embed", 0, 300),
        ("build-index", "embed", 290, 300),
        ("build-index", "embed", 300, 300),
    ]
    assert parse_step_line('{"event": "something else"}') is None
    assert parse_step_line("Executing task 'build-index'") is None


def test_each_step_has_its_own_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    with logs.session("json"):
        steps = StepProgress(live=False)
        steps("retrieve-testset", "retrieve", 0, 10)
        steps("build-index", "embed", 0, 5)
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["step"], e["stage"]) for e in events] == [("retrieve-testset", "retrieve"), ("build-index", "embed")]
