"""A job's state by its reports and the clock: each problem with the numbers it was judged by."""

from __future__ import annotations

import datetime as dt

from custode.backups.verdict import Facts, Measure, run_verdict, state_of

UTC = dt.timezone.utc
CREATED = dt.datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# "0 2 * * *" in Rome is 01:00 UTC in winter; with 2h grace a night's run is due by 03:00 UTC.
LAST_NIGHT = dt.datetime(2026, 12, 3, 1, 35, tzinfo=UTC)
GOOD = [Measure(8_400_000_000, 120_000, 1800.0)] * 10


def facts(**fields) -> Facts:
    base = dict(key="nightly", schedule="0 2 * * *", grace=7200, timezone="Europe/Rome", created_at=CREATED,
                finished_at=LAST_NIGHT, last_verdict="ok")
    return Facts(**{**base, **fields})


def at(hour: int, minute: int = 0, day: int = 3) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_a_job_that_finished_after_last_nights_start_is_ok_all_day():
    assert state_of(facts(), at(2, 59)) == ("ok", [])
    assert state_of(facts(), at(2, 59, day=4)) == ("ok", [])


def test_no_finish_by_the_schedule_in_the_providers_timezone_plus_grace_is_missed():
    assert state_of(facts(), at(3, 1, day=4)) == ("missed", [
        'missed: no finish since 2026-12-04 02:00, the last 25h ago; due at 2026-12-04 02:00 Europe/Rome '
        '("0 2 * * *"), grace 2h'])


def test_the_schedule_follows_the_providers_summer_time():
    summer = facts(created_at=dt.datetime(2026, 6, 1, tzinfo=UTC), finished_at=dt.datetime(2026, 7, 1, 0, 30, tzinfo=UTC))
    assert state_of(summer, dt.datetime(2026, 7, 2, 1, 59, tzinfo=UTC))[0] == "ok"  # 02:00 CEST is 00:00 UTC
    assert state_of(summer, dt.datetime(2026, 7, 2, 2, 1, tzinfo=UTC))[0] == "missed"


def test_a_job_never_reported_is_unknown_until_its_first_run_is_due_then_missed():
    new = facts(created_at=at(12, 0, day=2), finished_at=None, last_verdict="")
    assert state_of(new, at(2, 59)) == ("unknown", [])
    assert state_of(new, at(3, 1))[1] == ['missed: never finished; due at 2026-12-03 02:00 Europe/Rome '
                                          '("0 2 * * *"), grace 2h']


def test_a_failed_run_is_failed_until_a_good_one():
    assert state_of(facts(last_verdict="failed", last_reason="the job reported a failure"), at(9)) == (
        "failed", ["failed: the job reported a failure"])


def test_a_run_much_smaller_than_the_median_of_the_good_ones_is_shrunk_with_its_numbers():
    judged = run_verdict(status="ok", run=Measure(1_200_000_000, 119_000, 1700.0), good=GOOD, min_size_ratio=0.8)
    assert (judged.state, judged.reason) == (
        "shrunk", "1.2 GB, median of the last 10 good runs 8.4 GB, ratio 0.14 (below 0.8)")


def test_fewer_files_than_the_ratio_allows_is_shrunk_too():
    judged = run_verdict(status="ok", run=Measure(8_000_000_000, 30_000, 1700.0), good=GOOD, min_size_ratio=0.8)
    assert judged.reason == "30,000 files, median of the last 10 good runs 120,000 files, ratio 0.25 (below 0.8)"


def test_a_run_five_times_faster_than_the_median_is_shrunk():
    judged = run_verdict(status="ok", run=Measure(8_400_000_000, 120_000, 300.0), good=GOOD, min_size_ratio=None)
    assert (judged.state, judged.reason) == (
        "shrunk", "took 5m, median of the last 10 good runs 30m: more than 5x faster")


def test_a_normal_run_or_one_without_enough_history_is_ok():
    assert run_verdict(status="ok", run=Measure(8_000_000_000, 118_000, 1500.0), good=GOOD, min_size_ratio=0.8).state == "ok"
    assert run_verdict(status="ok", run=Measure(1, 1, 1.0), good=GOOD[:2], min_size_ratio=0.8).state == "ok"
    assert run_verdict(status="failed", run=Measure(None, None, None), good=[], min_size_ratio=None).state == "failed"


def test_a_replica_older_than_replica_within_is_stale():
    job = facts(replica_within=86400, replica_at=at(0, 0, day=1))
    assert state_of(job, at(9)) == ("stale_replica", ["stale_replica: newest replica 2d old; expected within 1d"])
    assert state_of(facts(replica_within=86400, replica_at=at(0, 0)), at(9)) == ("ok", [])


def test_no_good_restore_test_within_restore_test_every_is_overdue_and_a_failed_one_is_failed():
    job = facts(restore_test_every=30 * 86400)
    assert state_of(job, at(9)) == ("restore_overdue", [
        "restore_overdue: no good restore test reported since the job was created 32d ago; expected within 30d"])
    tested = facts(restore_test_every=30 * 86400, restore_ok_at=at(8))
    assert state_of(tested, at(9)) == ("ok", [])
    broken = facts(restore_test_every=30 * 86400, restore_ok_at=at(8), restore_failed_reason="pack 3f9a missing")
    assert state_of(broken, at(9)) == ("failed", ["failed: the last restore test failed: pack 3f9a missing"])


def test_several_problems_are_all_given_worst_first():
    job = facts(last_verdict="shrunk", last_reason="1.2 GB, median 8.4 GB", replica_within=3600,
                replica_at=at(0, 0, day=1))
    state, reasons = state_of(job, at(3, 30, day=4))
    assert state == "missed"
    assert [r.split(":")[0] for r in reasons] == ["missed", "shrunk", "stale_replica"]


def test_the_last_due_time_kept_per_schedule_is_the_one_croniter_gives_at_every_moment_across_summer_time():
    """``last_due`` keeps its answer until the schedule's next start: at every moment of both nights the clocks
    change, forwards and backwards in time, it is what croniter answers there afresh."""
    from zoneinfo import ZoneInfo

    from croniter import croniter

    from custode.backups import verdict

    def afresh(schedule: str, grace: int, now: dt.datetime) -> dt.datetime:
        local = (now - dt.timedelta(seconds=grace)).astimezone(ZoneInfo("Europe/Rome"))
        return croniter(schedule, local).get_prev(dt.datetime).astimezone(UTC)

    schedules = ["30 2 * * *", "0 * * * *", "15 3 * * 0", "*/20 1-3 * * *"]
    for night in (dt.datetime(2026, 3, 28, 20, tzinfo=UTC), dt.datetime(2026, 10, 24, 20, tzinfo=UTC)):
        moments = [night + dt.timedelta(minutes=13 * n) for n in range(70)]
        for now in moments + moments[::-1]:
            for schedule in schedules:
                assert verdict.last_due(schedule, 600, "Europe/Rome", now) == afresh(schedule, 600, now), (schedule, now)
