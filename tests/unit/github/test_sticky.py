"""The sticky comment against the GitHub emulator: one comment per pull request, whatever GitHub throws at it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ragops.app.comment import CommentRequest, CommentResult, post_comment
from ragops.errors import InfrastructureError
from tests.support.github_emulator import GitHubEmulator, primary_limit_body, secondary_limit_body, too_long_body
from tests.support.github_env import (
    BOT,
    BOT_TOKEN,
    MALLORY,
    MARKER,
    ME,
    OWNER,
    PR,
    REPO,
    RO_TOKEN,
    USER_TOKEN,
    Actions,
    fast_policy,
)


def run(actions: Actions, *sections: str, timeout_s: float = 2.0, **overrides: str | None) -> CommentResult:
    env = dict(actions.env)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    request = CommentRequest(sections=list(sections) or ["## covid-qa\n\nhit@5 0.85 → 0.86\n"], out=actions.out)
    return post_comment(request, env, policy=fast_policy(timeout_s))


def comments(emulator: GitHubEmulator) -> list[dict]:
    return emulator.comments(OWNER, REPO, PR)


def test_first_run_creates_one_comment_and_the_next_runs_update_it(emulator: GitHubEmulator, actions: Actions) -> None:
    first = run(actions, "first")
    assert first.action == "created"
    [comment] = comments(emulator)
    assert comment["id"] == first.comment_id and comment["body"] == f"{MARKER}\nfirst\n"
    assert first.url == comment["html_url"]

    second = run(actions, "second")
    assert (second.action, second.comment_id) == ("updated", first.comment_id)
    [comment] = comments(emulator)
    assert comment["body"] == f"{MARKER}\nsecond\n"

    third = run(actions, "second")
    assert third.action == "unchanged"
    assert [r.method for r in emulator.requests].count("PATCH") == 1
    assert actions.out.read_text() == f"{MARKER}\nsecond\n"


def test_several_files_become_one_body_under_the_marker(emulator: GitHubEmulator, actions: Actions) -> None:
    run(actions, "## app-a\n", "", "## app-b\n")
    [comment] = comments(emulator)
    assert comment["body"] == f"{MARKER}\n## app-a\n\n---\n\n## app-b\n"


FAULTS = {
    "500 twice on the list": {"method": "GET", "path": "/comments", "status": 500, "times": 2},
    "500 on the create": {"method": "POST", "status": 500, "body": {"message": "Server Error"}},
    "502 on every first write": {"method": "POST", "status": 502, "times": 2},
    "secondary limit (403, no headers)": {"method": "POST", "status": 403, "body": secondary_limit_body()},
    "403 with Retry-After": {
        "method": "GET",
        "status": 403,
        "headers": {"Retry-After": "7"},
        "body": secondary_limit_body(),
    },
    "429 with Retry-After": {
        "method": "POST",
        "status": 429,
        "headers": {"Retry-After": "3"},
        "body": primary_limit_body(429),
    },
    "429 without headers": {"status": 429, "times": 2, "body": primary_limit_body(429)},
    "primary limit (remaining 0, reset)": {
        "method": "GET",
        "status": 403,
        "body": primary_limit_body(),
        "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 30)},
    },
    "slow list (client times out)": {"method": "GET", "path": "/comments", "delay_s": 0.3},
    "create succeeds but answers too late": {"method": "POST", "delay_s": 0.3, "after": True},
    "create answers too late twice": {"method": "POST", "delay_s": 0.3, "after": True, "times": 2},
    "422 body too long once": {"method": "POST", "status": 422, "body": too_long_body()},
    "slow /user": {"path": "/user", "delay_s": 0.3},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_every_fault_still_ends_with_exactly_one_comment(
    emulator: GitHubEmulator, actions: Actions, fault: dict
) -> None:
    emulator.fault(**fault)
    first = run(actions, "first", timeout_s=0.12)
    assert first.action == "created"
    emulator.fault(**fault)  # and the same trouble on the update
    second = run(actions, "second", timeout_s=0.12)
    assert second.action in ("updated", "unchanged")
    [comment] = comments(emulator)
    assert comment["id"] == first.comment_id == second.comment_id
    assert comment["body"].startswith(f"{MARKER}\nsecond")


def test_an_update_whose_answer_is_lost_is_sent_again_not_duplicated(
    emulator: GitHubEmulator, actions: Actions
) -> None:
    run(actions, "first")
    emulator.fault(method="PATCH", delay_s=0.3, after=True)
    result = run(actions, "second", timeout_s=0.12)
    assert result.action == "updated"
    [comment] = comments(emulator)
    assert comment["body"] == f"{MARKER}\nsecond\n"
    assert [r.method for r in emulator.requests].count("POST") == 1


def test_a_create_that_timed_out_is_followed_by_a_listing_before_any_retry(
    emulator: GitHubEmulator, actions: Actions
) -> None:
    emulator.fault(method="POST", delay_s=0.3, after=True)
    result = run(actions, timeout_s=0.12)
    assert result.action == "created"
    calls = [(r.method, r.path) for r in emulator.requests if r.path != "/user"]
    first_post = calls.index(("POST", f"/repos/{OWNER}/{REPO}/issues/{PR}/comments"))
    assert calls[first_post + 1][0] == "GET"  # looked before writing again ...
    assert [m for m, _ in calls].count("POST") == 1  # ... and found it, so no second create
    assert len(comments(emulator)) == 1


def test_the_own_comment_is_found_on_a_later_page(emulator: GitHubEmulator, actions: Actions) -> None:
    for i in range(120):
        emulator.seed_comment(OWNER, REPO, PR, f"review remark {i}", MALLORY)
    mine = emulator.seed_comment(OWNER, REPO, PR, f"{MARKER}\nold numbers\n", ME)
    for i in range(100):
        emulator.seed_comment(OWNER, REPO, PR, f"later remark {i}", MALLORY)

    result = run(actions, "new numbers")

    assert (result.action, result.comment_id) == ("updated", mine["id"])
    assert len(comments(emulator)) == 221
    pages = [r.query.get("page", ["1"])[0] for r in emulator.requests if r.method == "GET" and "comments" in r.path]
    assert pages == ["1", "2", "3"]
    assert all(
        r.query.get("per_page") == ["100"] for r in emulator.requests if "comments" in r.path and r.method == "GET"
    )


def test_a_marker_in_someone_elses_comment_is_left_alone(emulator: GitHubEmulator, actions: Actions) -> None:
    pasted = emulator.seed_comment(OWNER, REPO, PR, f"look what the bot said: {MARKER} lol", MALLORY)
    result = run(actions, "numbers")
    assert result.action == "created" and result.comment_id != pasted["id"]
    theirs, mine = comments(emulator)
    assert theirs == pasted
    assert mine["user"]["login"] == ME.login
    assert not [r for r in emulator.requests if r.method in ("PATCH", "DELETE")]


def test_a_comment_of_another_kind_is_left_alone(emulator: GitHubEmulator, actions: Actions) -> None:
    other = emulator.seed_comment(OWNER, REPO, PR, "<!-- ragops:validation -->\nall configs valid\n", ME)
    run(actions, "numbers")
    theirs, mine = comments(emulator)
    assert theirs == other
    assert mine["body"] == f"{MARKER}\nnumbers\n"


def test_duplicates_are_resolved_to_the_oldest_own_comment(emulator: GitHubEmulator, actions: Actions) -> None:
    oldest = emulator.seed_comment(OWNER, REPO, PR, f"{MARKER}\nrun 1\n", ME)
    foreign = emulator.seed_comment(OWNER, REPO, PR, f"{MARKER}\nquoted\n", MALLORY)
    newer = [emulator.seed_comment(OWNER, REPO, PR, f"{MARKER}\nrun {i}\n", ME) for i in (2, 3)]

    result = run(actions, "run 4")

    assert result.comment_id == oldest["id"]
    assert set(result.deleted_duplicates) == {c["id"] for c in newer}
    assert [c["id"] for c in comments(emulator)] == [oldest["id"], foreign["id"]]
    assert comments(emulator)[0]["body"] == f"{MARKER}\nrun 4\n"


def test_concurrent_runs_leave_one_comment(emulator: GitHubEmulator, actions: Actions) -> None:
    # Both runs list before either creates (the first two listings are read at once, answered late): both create.
    emulator.fault(method="GET", path="/comments", delay_s=0.3, after=True, times=2)
    results: list[CommentResult] = []
    errors: list[BaseException] = []

    def one_run(tag: str) -> None:
        try:
            results.append(run(actions, "same numbers"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=one_run, args=(t,)) for t in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors
    assert [r.method for r in emulator.requests].count("POST") == 2
    [survivor] = comments(emulator)
    assert {r.comment_id for r in results} == {survivor["id"]}


def test_the_actions_token_writes_as_the_bot(emulator: GitHubEmulator, actions: Actions) -> None:
    mine_as_user = emulator.seed_comment(OWNER, REPO, PR, f"{MARKER}\nposted with a PAT\n", ME)
    first = run(actions, "from actions", GITHUB_TOKEN=BOT_TOKEN)
    assert first.action == "created" and first.identity == "github-actions[bot]"
    second = run(actions, "from actions again", GITHUB_TOKEN=BOT_TOKEN)
    assert (second.action, second.comment_id) == ("updated", first.comment_id)
    user_comment, bot_comment = comments(emulator)
    assert user_comment == mine_as_user
    assert bot_comment["user"] == {**bot_comment["user"], "login": BOT.login, "type": "Bot"}


@pytest.mark.parametrize("token", [RO_TOKEN, None], ids=["read-only token", "no token"])
def test_read_only_or_no_token_goes_to_the_job_summary_and_a_file(
    emulator: GitHubEmulator, actions: Actions, token: str | None
) -> None:
    actions.summary.write_text("## earlier step\n")
    result = run(actions, "## covid-qa\n\nnumbers\n", GITHUB_TOKEN=token)
    assert result.action == "summary-only"
    assert result.summary_path == actions.summary and result.out_path == actions.out
    assert actions.summary.read_text() == f"## earlier step\n\n{MARKER}\n## covid-qa\n\nnumbers\n"
    assert actions.out.read_text() == f"{MARKER}\n## covid-qa\n\nnumbers\n"
    assert comments(emulator) == []
    if token is None:
        assert "GITHUB_TOKEN is not set" in (result.reason or "")
        assert emulator.requests == []
    else:
        assert "Resource not accessible by integration" in (result.reason or "")


def test_outside_a_pull_request_the_text_goes_to_the_summary(emulator: GitHubEmulator, actions: Actions) -> None:
    Path(actions.env["GITHUB_EVENT_PATH"]).write_text('{"ref": "refs/heads/main"}')
    result = run(actions, "numbers")
    assert result.action == "summary-only" and "not a pull request" in (result.reason or "")
    assert MARKER in actions.summary.read_text()


def test_a_long_body_is_cut_with_a_note_and_the_full_text_kept(emulator: GitHubEmulator, actions: Actions) -> None:
    rows = "".join(f"| q{i:05d} | {'x' * 60} |\n" for i in range(1500))  # about 106,000 characters
    result = run(actions, "## covid-qa\n\n<details><summary>per question</summary>\n\n" + rows)
    [comment] = comments(emulator)
    body = comment["body"]
    assert len(body) <= 65_536 and result.cut_chars > 30_000
    assert body.startswith(MARKER) and body.rstrip().endswith(".")
    assert f"{result.cut_chars:,} characters" in body
    assert "https://github.com/octo-org/rag-apps/actions/runs/4242" in body
    assert body.count("<details>") == body.count("</details>")
    assert actions.out.read_text().endswith(rows)  # the full text: in the file ...
    assert rows in actions.summary.read_text()  # ... and in the job summary the note points at


def test_a_body_github_still_finds_too_long_is_shortened_once_more(tmp_path: Path, actions: Actions) -> None:
    with GitHubEmulator({USER_TOKEN: ME}, count_bytes=True) as strict:
        text = "é" * 50_000  # 50,000 characters fit; 100,000 UTF-8 bytes do not, for this server
        result = run(actions, text, GITHUB_API_URL=strict.url)
        [comment] = strict.comments(OWNER, REPO, PR)
        assert result.action == "created" and result.cut_chars > 0
        assert len(comment["body"].encode()) <= 65_536
        assert [r.status for r in strict.requests if r.method == "POST"] == [422, 201]


def test_an_unreachable_api_is_an_infrastructure_error_naming_the_url(actions: Actions) -> None:
    from tests.conftest import free_loopback_port

    url = f"http://127.0.0.1:{free_loopback_port()}"
    with pytest.raises(InfrastructureError) as caught:
        run(actions, GITHUB_API_URL=url)
    assert url in caught.value.message and caught.value.exit_code == 3
    assert USER_TOKEN not in str(caught.value) and USER_TOKEN not in repr(caught.value)


def test_an_api_that_keeps_failing_is_an_infrastructure_error(emulator: GitHubEmulator, actions: Actions) -> None:
    emulator.fault(status=503, times=100, body={"message": "Service Unavailable"})
    with pytest.raises(InfrastructureError) as caught:
        run(actions)
    assert emulator.url in caught.value.message
    assert comments(emulator) == []
