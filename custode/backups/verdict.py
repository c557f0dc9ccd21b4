"""What a backup job's reports mean: pure functions, no database, the clock given.

Two kinds of judgement, made where their inputs are:

- ``run_verdict``, when a run finishes (``services.backup_finish``): ``failed`` if the job said so; ``shrunk`` if
  it is much smaller than the median of the last good runs (bytes or files below ``min_size_ratio`` x the
  median), or five times faster than their median duration: a backup of an unmounted disk is fast and small.
- ``problems``, by time (the engine, every minute; the API when asked): the last run's verdict, and what is
  overdue: no finish by the schedule's last due time + ``grace`` (``missed``), no replica within
  ``replica_within`` (``stale_replica``), no good restore test within ``restore_test_every`` or the last one
  failed (``restore_overdue``, ``failed``).

Every reason shows the numbers it was judged by: "1.2 GB, median of the last 10 good runs 8.4 GB, ratio 0.14".
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter

from custode.checks.result import Result
from custode.lib import durations

STATES = ("ok", "missed", "failed", "shrunk", "stale_replica", "restore_overdue", "unknown")
WORST_FIRST = ("failed", "missed", "shrunk", "stale_replica", "restore_overdue")
MEDIAN_OF = 10  # good runs the median is taken over
MEDIAN_MIN = 3  # fewer good runs than this make no median worth judging by
FASTER = 5.0  # a run this many times faster than the median is suspicious


@dataclass(frozen=True, slots=True)
class Measure:
    bytes: int | None
    files: int | None
    duration_s: float | None


@dataclass(frozen=True, slots=True)
class Facts:
    """A job's settings and the summary of what it reported, as the job row keeps them."""

    key: str
    schedule: str
    grace: int
    timezone: str
    created_at: dt.datetime
    replica_within: int | None = None
    restore_test_every: int | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    last_verdict: str = ""
    last_reason: str = ""
    replica_at: dt.datetime | None = None
    restore_ok_at: dt.datetime | None = None
    restore_failed_reason: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    state: str
    reason: str


def run_verdict(*, status: str, run: Measure, good: list[Measure], min_size_ratio: float | None) -> Problem:
    """The verdict on a finished run, given the good runs before it (newest first)."""
    if status == "failed":
        return Problem("failed", "the job reported a failure")
    good = good[:MEDIAN_OF]
    if len(good) < MEDIAN_MIN:
        return Problem("ok", "")
    reasons = []
    if min_size_ratio is not None:
        reasons += _smaller(run.bytes, [g.bytes for g in good], min_size_ratio, size, len(good))
        reasons += _smaller(run.files, [g.files for g in good], min_size_ratio, count_files, len(good))
    durations_ = [g.duration_s for g in good if g.duration_s]
    if run.duration_s is not None and len(durations_) >= MEDIAN_MIN:
        median = statistics.median(durations_)
        if run.duration_s * FASTER < median:
            reasons.append(f"took {durations.approx(run.duration_s)}, median of the last {len(durations_)} good runs "
                           f"{durations.approx(median)}: more than {FASTER:g}x faster")
    return Problem("shrunk", "; ".join(reasons)) if reasons else Problem("ok", "")


def _smaller(value, values, ratio: float, show, n: int) -> list[str]:
    known = [v for v in values if v is not None]
    if value is None or len(known) < MEDIAN_MIN:
        return []
    median = statistics.median(known)
    if median <= 0 or value >= ratio * median:
        return []
    return [f"{show(value)}, median of the last {n} good runs {show(median)}, ratio {value / median:.2f} "
            f"(below {ratio:g})"]


def problems(facts: Facts, now: dt.datetime) -> list[Problem]:
    """What is wrong with the job at NOW, worst first; empty when nothing is."""
    found = []
    if facts.last_verdict in ("failed", "shrunk"):
        found.append(Problem(facts.last_verdict, facts.last_reason))
    if facts.restore_failed_reason:
        found.append(Problem("failed", f"the last restore test failed: {facts.restore_failed_reason}"))
    missed = _missed(facts, now)
    if missed:
        found.append(Problem("missed", missed))
    found += _overdue(facts, now)
    return sorted(found, key=lambda p: WORST_FIRST.index(p.state))


def state_of(facts: Facts, now: dt.datetime) -> tuple[str, list[str]]:
    """The job's state and every reason: the worst problem's state, ``ok``, or ``unknown`` before any report."""
    found = problems(facts, now)
    if found:
        return found[0].state, [f"{p.state}: {p.reason}" for p in found]
    reported = facts.finished_at or facts.replica_at or facts.restore_ok_at
    return ("ok" if reported else "unknown"), []


def result(facts: Facts | None, now: dt.datetime) -> Result | None:
    """The engine's judgement of a job's monitor: DOWN with every problem, UP, or None while nothing is known."""
    if facts is None:
        return None
    state, reasons = state_of(facts, now)
    if reasons:
        return Result.down("; ".join(reasons))
    return Result.up(None) if state == "ok" else None


def last_due(schedule: str, grace: int, timezone: str, now: dt.datetime) -> dt.datetime:
    """The latest time the schedule started the job whose grace is over at NOW (in the provider's timezone).

    The answer stands until the schedule's next start, so it is kept per schedule, grace and timezone until
    then (``_DUE``): croniter takes about 0.2 ms to answer, nearly all of judging a job, and the engine judges
    every job every minute while jobs share a few hundred schedules."""
    key = (schedule, grace, timezone)
    at = now - dt.timedelta(seconds=grace)
    known = _DUE.get(key)
    if known is not None and known[0] < at < known[1]:
        return known[0]
    local = at.astimezone(ZoneInfo(timezone))
    due = croniter(schedule, local).get_prev(dt.datetime)
    after = croniter(schedule, due).get_next(dt.datetime)
    if len(_DUE) >= _DUE_MAX:
        _DUE.clear()  # schedules edited away over a long life; the ones in use come back at once
    known = _DUE[key] = (due.astimezone(dt.timezone.utc), after.astimezone(dt.timezone.utc))
    return known[0]


_DUE: dict[tuple[str, int, str], tuple[dt.datetime, dt.datetime]] = {}  # last due, the start after it (UTC)
_DUE_MAX = 100_000


def _missed(facts: Facts, now: dt.datetime) -> str:
    due = last_due(facts.schedule, facts.grace, facts.timezone, now)
    if due < facts.created_at or (facts.finished_at is not None and facts.finished_at >= due):
        return ""
    local = due.astimezone(ZoneInfo(facts.timezone))
    expected = (f"due at {local:%Y-%m-%d %H:%M} {facts.timezone} (\"{facts.schedule}\"), "
                f"grace {durations.format(facts.grace)}")
    if facts.finished_at is None:
        return f"never finished; {expected}"
    ago = durations.approx((now - facts.finished_at).total_seconds())
    return f"no finish since {local:%Y-%m-%d %H:%M}, the last {ago} ago; {expected}"


def _overdue(facts: Facts, now: dt.datetime) -> list[Problem]:
    found = []
    checks = (("stale_replica", facts.replica_within, facts.replica_at, "replica", "newest replica"),
              ("restore_overdue", facts.restore_test_every, facts.restore_ok_at, "good restore test",
               "last good restore test"))
    for state, within, at, noun, last in checks:
        if within is None:
            continue
        since = at or facts.created_at
        age = (now - since).total_seconds()
        if age <= within:
            continue
        limit = f"expected within {durations.format(within)}"
        if at is None:
            found.append(Problem(state, f"no {noun} reported since the job was created {durations.approx(age)} ago; "
                                        f"{limit}"))
        else:
            found.append(Problem(state, f"{last} {durations.approx(age)} old; {limit}"))
    return found


def size(n: float) -> str:
    """Bytes as people read them on a disk's label: 1.2 GB (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def count_files(n: float) -> str:
    return f"{n:,.0f} files"
