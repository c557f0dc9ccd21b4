"""How a heartbeat's last ping reads as a state: push.evaluate, the rule the engine applies to every push monitor."""

from __future__ import annotations

import datetime as dt

from custode.checks import push
from custode.checks.result import Status

NOW = dt.datetime(2026, 12, 3, 10, 9, tzinfo=dt.UTC)


def evaluate(last_kind: str = "success", ago: float | None = None, created_ago: float = 3600, interval: int = 300,
             grace: int = 120):
    last = NOW - dt.timedelta(seconds=ago) if ago is not None else None
    return push.evaluate(last_ping_at=last, last_kind=last_kind, interval=interval, grace=grace, now=NOW,
                         created_at=NOW - dt.timedelta(seconds=created_ago))


def test_never_pinged_says_nothing_until_interval_plus_grace_from_creation():
    assert evaluate(last_kind="", created_ago=420) is None


def test_never_pinged_is_down_after_interval_plus_grace_from_creation():
    result = evaluate(last_kind="", created_ago=421)
    assert result.status is Status.DOWN
    assert result.reason == "never pinged since it was created 7m ago; expected every 5m + 2m grace"


def test_a_monitor_with_no_creation_time_is_not_judged_before_its_first_ping():
    result = push.evaluate(last_ping_at=None, last_kind="", interval=1, grace=1, now=NOW, created_at=None)
    assert result is None


def test_a_recent_success_is_up_and_a_long_silence_is_down():
    assert evaluate(ago=420).status is Status.UP
    result = evaluate(ago=421)
    assert (result.status, result.reason) == (Status.DOWN, "no ping for 7m; expected every 5m + 2m grace")


def test_a_start_within_grace_keeps_the_state_and_after_grace_is_down():
    assert evaluate("start", ago=120) is None
    result = evaluate("start", ago=420)
    assert (result.status, result.reason) == (Status.DOWN, "started 7m ago, never finished (grace 2m)")


def test_a_start_is_judged_by_its_grace_alone_even_just_after_a_success():
    """A job that starts often and never finishes is caught: each start has grace to finish, not interval."""
    result = evaluate("start", ago=121, interval=86400)
    assert result.status is Status.DOWN and "never finished" in result.reason


def test_a_failure_is_down_with_its_exit_code_when_given():
    assert evaluate("fail", ago=1).reason == "the job reported a failure (/fail)"
    assert evaluate("fail:3", ago=1).reason == "the job exited with code 3"
    assert evaluate("fail:3", ago=1).status is Status.DOWN
