#!/usr/bin/env python3
"""bench/backups: 10,000 backup jobs judged on time by the real engine, and finish reports stored per second.

(a) Judging. --jobs backup jobs (default 10,000) with the schedules providers write: nightly at every minute
of 01:00-05:59, hourly, every 6 hours and weekly, in the provider's timezone (Europe/Rome, which has DST);
some keep a replica and a restore test. One in ten is made wrong: missed (no finish for 8 days), failed,
shrunk, its replica stale or its restore test overdue; the rest reported on time. Every job's monitor starts
UP. Prints:
  - one evaluation round in this process: reading every job's facts as the engine does
    (``store.backup_facts_since``) and judging each (``backups.verdict.result``, the engine's path), against
    the same number of heartbeat judgements (``push.evaluate``, the engine's cheapest) in the same run;
  - the real engine (`custode engine`) judging every job's monitor every 60 s for --seconds: judgements
    done over due (on time, goal >= 0.98), lag p99 from the engine's stats lines (goal < 1 s), the jobs whose
    latest result is from the window's last 62 s (goal: all), the engine's CPU per judgement;
  - the verdicts: every job made wrong is DOWN with its reason, every other is UP.
(b) Ingest. Finish reports (`POST /backup/<uuid>`, restic's figures as JSON) into `custode web` by wrk
(1 thread, --connections keep-alive connections, round --report-jobs jobs), every report stored as a
run (rows counted after), against nginx answering a fixed body to the same wrk script.

Usage: bench/backups.py [--jobs 10000] [--seconds 60] [--report-seconds 10] [--connections 50]
                        [--report-jobs 100] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time

from common import (add_arguments, configured, cpu_seconds, custode, custode_env, free_port, nginx, run_wrk,
                    setup_django, stop, wait_port)
from engine import Engine

INTERVAL = 60  # the engine judges a job's monitor this often (``backups.services.EVALUATE_EVERY``)
SLACK = 2  # seconds: results are written every second, checks start in 50 ms ticks
WRONG = ("missed", "failed", "shrunk", "stale_replica", "restore_overdue")  # one job in ten, in turn
REASONS = {"failed": "the job reported a failure",  # as ``services.backup_finish`` writes them
           "shrunk": "1.2 GB, median of the last 10 good runs 8.4 GB, ratio 0.14 (below 0.5)"}
REPORT = json.dumps({"status": "ok", "bytes": 8_400_000_000, "files": 120_000, "duration_s": 600.0,
                     "snapshot": "4f1c2a9e", "tool": "restic"})


def schedule(n: int) -> tuple[str, int]:
    """Job N's cron line and grace (seconds): nightly, hourly, every 6 hours or weekly, at varied minutes."""
    minute = n % 60
    kind = n % 4
    if kind == 0:
        return f"{minute} {1 + n // 60 % 5} * * *", 3600
    if kind == 1:
        return f"{minute} * * * *", 600
    if kind == 2:
        return f"{minute} */6 * * *", 1800
    return f"{minute} 2 * * 0", 7200


def wrong_of(n: int) -> str:
    """What is wrong with job N: one of WRONG for every tenth job, '' for the rest."""
    return WRONG[n // 10 % len(WRONG)] if n % 10 == 3 else ""


def create_jobs(count: int) -> dict[int, str]:
    """COUNT jobs with their monitors (already UP), each's reports as WRONG_OF says; {monitor id: wrong}."""
    from custode.assets.models import Asset
    from custode.backups.models import MONITOR_TYPE, BackupJob
    from custode.monitors.models import Impact, Monitor
    from custode.testing import factories

    factories.provider(timezone="Europe/Rome")
    now = dt.datetime.now(dt.timezone.utc)
    day = 86400
    asset = Asset.objects.create(key="nas", kind="server", name="NAS")
    monitors = Monitor.objects.bulk_create(
        [Monitor(key=f"job-{n}", asset=asset, type=MONITOR_TYPE, interval=INTERVAL, retries=0, impact=Impact.JOB,
                 state="up", state_since=now, spec={}) for n in range(count)], batch_size=2000)
    jobs = []
    for n, monitor in enumerate(monitors):
        cron, grace = schedule(n)
        wrong = wrong_of(n)
        keeps_copies = n % 3 == 0 or wrong in ("stale_replica", "restore_overdue")
        reported = 30 + n % 270  # the last reports came over the last 5 minutes, not all at once
        jobs.append(BackupJob(
            key=monitor.key, asset=asset, monitor=monitor, schedule=cron, grace=grace, min_size_ratio=0.5,
            replica_within=day if keeps_copies else None, restore_test_every=30 * day if keeps_copies else None,
            created_at=now - dt.timedelta(days=30),
            finished_at=now - dt.timedelta(days=8 if wrong == "missed" else 0, seconds=reported),
            last_verdict=wrong if wrong in ("failed", "shrunk") else "ok",
            last_reason=REASONS.get(wrong, ""),
            replica_at=now - dt.timedelta(days=2 if wrong == "stale_replica" else 0, hours=1) if keeps_copies else None,
            restore_ok_at=now - dt.timedelta(days=40 if wrong == "restore_overdue" else 1) if keeps_copies else None,
            changed_at=now - dt.timedelta(seconds=reported)))
    BackupJob.objects.bulk_create(jobs, batch_size=2000)
    return {m.pk: wrong_of(n) for n, m in enumerate(monitors)}


def judge_round(wrong: dict[int, str]) -> None:
    """One evaluation round in this process, the engine's path, against as many heartbeat judgements."""
    from custode.backups import verdict
    from custode.checks import push
    from custode.checks.result import Status
    from custode.engine import store

    started = time.perf_counter()
    facts = store.backup_facts_since(None)
    read = time.perf_counter() - started
    now = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    results = {monitor_id: verdict.result(f, now) for monitor_id, f, _ in facts}
    judged = time.perf_counter() - started
    pinged = now - dt.timedelta(seconds=30)
    started = time.perf_counter()
    for _ in facts:
        push.evaluate(last_ping_at=pinged, last_kind="success", interval=86400, grace=3600, now=now, created_at=pinged)
    reference = time.perf_counter() - started
    right = sum((results[m].status == Status.DOWN) == bool(w) for m, w in wrong.items())
    print(f"  one round in-process: read {len(facts):,} jobs' facts {read:.2f} s, judged them {judged:.2f} s "
          f"({judged / len(facts) * 1e6:.0f} us a job); reference {len(facts):,} heartbeat judgements "
          f"{reference:.3f} s: {judged / reference:.1f}x; right verdicts {right:,} of {len(wrong):,}", flush=True)


def engine_round(data_dir: str, wrong: dict[int, str], seconds: int) -> bool:
    """The real engine judging every job's monitor every INTERVAL s for SECONDS; True when on time and right."""
    from custode.monitors.models import Monitor

    jobs = len(wrong)
    engine = Engine(custode_env(data_dir))
    try:
        engine.wait_stats(lambda s: s["monitors"] == jobs, 300)
        engine.wait_stats(lambda s: s["checks"] > 0, 120)
        start, first = engine.stats[-1]
        pid = engine.proc.pid
        cpu0, wall0 = cpu_seconds(pid), dt.datetime.now(dt.timezone.utc)
        while engine.stats[-1][0] - start < seconds - 0.5:
            time.sleep(0.5)
            if engine.proc.poll() is not None:
                raise RuntimeError(f"the engine exited with status {engine.proc.returncode}")
        at, last = engine.stats[-1]
        cpu, wall1 = cpu_seconds(pid) - cpu0, dt.datetime.now(dt.timezone.utc)
        lines = engine.lines_between(start, at)
    finally:
        stop(engine.proc)
    span = at - start
    judged = last["checks"] - first["checks"]
    on_time = min(1.0, judged / (jobs * span / INTERVAL))
    lag = max((line["lag_p99_ms"] for line in lines), default=float("nan")) / 1000
    since = max(wall0, wall1 - dt.timedelta(seconds=INTERVAL + SLACK))
    recent = Monitor.objects.filter(last_check_at__gte=since).count()
    states = dict(Monitor.objects.values_list("id", "state"))
    down_right = sum(states[m] == "down" for m, w in wrong.items() if w)
    up_right = sum(states[m] == "up" for m, w in wrong.items() if not w)
    bad = sum(1 for w in wrong.values() if w)
    down = dict(Monitor.objects.filter(state="down").values_list("id", "last_reason"))
    reasons = {w: next((down[m] for m, x in wrong.items() if x == w and m in down), "(none DOWN)") for w in WRONG}
    print(f"  engine, {jobs:,} jobs every {INTERVAL} s, {span:.0f} s: {judged / span:,.0f} judgements/s, on time "
          f"{on_time:.3f}, lag p99 {lag:.2f} s, {recent:,} of {jobs:,} jobs judged in the last {INTERVAL + SLACK} s; "
          f"{cpu:.1f} CPU-s, {cpu / max(judged, 1) * 1e6:.0f} us a judgement; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    print(f"  verdicts: {down_right:,} of {bad:,} made wrong DOWN, {up_right:,} of {jobs - bad:,} others UP", flush=True)
    for what, reason in reasons.items():
        print(f"    {what}: {reason[:150]}")
    whole_round = span >= INTERVAL - 1  # a shorter watch sees only some jobs judged
    return on_time >= 0.98 and (recent == jobs or not whole_round) and down_right == bad and up_right == jobs - bad


def tokens_round_robin(tokens: list[str]) -> str:
    """wrk's Lua that POSTs the finish report to the next of TOKENS' report URLs."""
    listed = ", ".join(f'"{token}"' for token in tokens)
    body = REPORT.replace('"', '\\"')
    return (f"tokens = {{{listed}}}\nn = 0\nbody = \"{body}\"\n"
            "headers = {}\nheaders[\"Content-Type\"] = \"application/json\"\n"
            "request = function()\n  n = n + 1\n"
            "  return wrk.format(\"POST\", \"/backup/\" .. tokens[n % #tokens + 1], headers, body)\nend\n")


def ingest(data_dir: str, wrong: dict[int, str], args: argparse.Namespace) -> bool:
    """Finish reports into `custode web`, then nginx's fixed body to the same wrk script; True when all stored."""
    from custode.backups.models import BackupJob, BackupRun

    good = [m for m, w in wrong.items() if not w][:args.report_jobs]
    tokens = [str(t) for t in BackupJob.objects.filter(monitor_id__in=good).values_list("token", flat=True)]
    script = tokens_round_robin(tokens)
    load = dict(seconds=args.report_seconds, connections=args.connections, script=script)
    before = BackupRun.objects.count()
    port = free_port()
    web = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
    try:
        wait_port(port, 60)
        cpu0 = cpu_seconds(web.pid)
        ours = run_wrk(f"http://127.0.0.1:{port}/", **load)
        cpu = cpu_seconds(web.pid) - cpu0
    finally:
        stop(web)
    stored = BackupRun.objects.count() - before
    with nginx(body="OK") as nginx_port:
        reference = run_wrk(f"http://127.0.0.1:{nginx_port}/", **load)
    print(f"  ingest, {args.connections} keep-alive connections, {len(tokens)} jobs in turn, {args.report_seconds} s: "
          f"{ours['rps']:,.0f} finish reports/s (p99 {ours['p99_ms']:.1f} ms, {ours['errors']} errors, "
          f"socket errors: {ours['socket_errors'] or 'none'}, "
          f"{stored:,} of {ours['requests']:,} stored), {cpu:.1f} CPU-s: {stored / max(cpu, 1e-9):,.0f} per CPU-s; "
          f"nginx fixed body {reference['rps']:,.0f}/s (p99 {reference['p99_ms']:.1f} ms): "
          f"{ours['rps'] / reference['rps']:.3f}x; load average {os.getloadavg()[0]:.1f}", flush=True)
    return not ours["errors"] and not ours["socket_errors"] and stored >= ours["requests"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=60, help="how long the engine is watched (>= 60: one round)")
    parser.add_argument("--report-seconds", type=int, default=10, help="how long finish reports are sent")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--report-jobs", type=int, default=100, help="jobs whose report URLs are posted in turn")
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        print(f"backups on {database}: {args.jobs:,} jobs (goals: on time >= 0.98, lag p99 < 1 s, every verdict "
              f"right, every report stored); load average {os.getloadavg()[0]:.1f}", flush=True)
        wrong = create_jobs(args.jobs)
        judge_round(wrong)
        judged = engine_round(data_dir, wrong, args.seconds)
        stored = ingest(data_dir, wrong, args)
    if not (judged and stored):
        print("FAILED: a job was judged late or wrongly, or a report was refused or not stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
