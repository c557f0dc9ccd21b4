#!/usr/bin/env python3
"""bench/storm: many monitors changing state at once, as at first start or when the uplink fails.

Runs the real engine (`custode engine`) on a fresh database with N HTTP monitors (default 100,000, every
60 s) against nginx on loopback, and prints, measured in this run:
  1. one batch of N state changes (and their N results) written by the engine's store, in this process:
     seconds (goal <= 10 s for 100,000);
  2. first start: every monitor's first result moves it unknown -> up. When the last monitor had its first
     check (goal: within one interval of the start) and how far the writer was behind the checks at the end
     (from the last change found to all N in the database);
  3. nginx stopped: every monitor goes down at its next check; the same figures;
  4. the engine's resident memory before, at the peak of, and after each storm (goal: back within 20 %),
     and the largest backlog of unwritten results and changes the engine reported.

Usage: bench/storm.py [--monitors 100000] [--interval 60] [--timeout 300] [--settle 15] [--one-batch N]
                      [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import threading
import tempfile
import time
from contextlib import ExitStack

from common import add_arguments, configured, custode, custode_env, nginx, rss_bytes, setup_django, stop


def create_monitors(count: int, port: int, interval: int) -> None:
    """COUNT HTTP monitors never checked yet (state unknown), each with its own URL on nginx."""
    from custode.assets.models import Asset
    from custode.monitors.models import Monitor

    asset = Asset.objects.create(key="bench-target", kind="server", name="bench target")
    Monitor.objects.bulk_create(
        [Monitor(key=f"bench-{i}", asset=asset, type="http", interval=interval, retries=0, timeout=10.0,
                 spec={"url": f"http://127.0.0.1:{port}/m/{i}"}) for i in range(count)],
        batch_size=5000,
    )


class Engine:
    """`custode engine` as a child process, its JSON stats lines collected as they come."""

    def __init__(self, env: dict):
        self.proc = custode("engine", env=env, stdout=subprocess.PIPE, text=True)
        self.stats: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.stats.append(json.loads(line))

    def wait_loaded(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(line["monitors"] == count for line in self.stats):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"the engine did not load {count:,} monitors; last stats: {self.stats[-1:]}")
            time.sleep(0.1)


def one_batch(count: int) -> float:
    """Seconds to store COUNT monitors' first results and their unknown -> up changes in one batch."""
    from custode.engine import store
    from custode.monitors.models import Monitor
    from custode.results.models import CheckResult, Rollup, StateChange

    ids = list(Monitor.objects.order_by("id").values_list("id", flat=True)[:count])
    at = dt.datetime.now(dt.timezone.utc)
    batch = store.Batch(observations=[store.Observation(i, at, "up", 1.0, "") for i in ids],
                        transitions=[store.Transition(i, at, "unknown", "up", "") for i in ids])
    started = time.perf_counter()
    refused = store.write(batch)
    seconds = time.perf_counter() - started
    stored = StateChange.objects.count()
    print(f"  {len(ids):,} state changes and results in one batch: {seconds:.2f} s "
          f"({len(ids) / seconds:,.0f} changes/s; {stored:,} stored, {len(refused)} refused)")
    StateChange.objects.all().delete()
    CheckResult.objects.all().delete()
    Rollup.objects.all().delete()
    Monitor.objects.update(state="unknown", state_since=None, last_check_at=None, last_latency_ms=None, last_reason="")
    return seconds


class Storm:
    """Watches the state changes of one kind arrive while the engine writes them, and the engine's memory."""

    def __init__(self, engine: Engine, count: int, **kind: str):
        self.engine, self.count, self.kind = engine, count, kind
        self.peak = 0

    def written(self) -> dict:
        from django.db.models import Count, Max, Min

        from custode.results.models import StateChange

        return StateChange.objects.filter(**self.kind).aggregate(n=Count("id"), first=Min("at"), last=Max("at"))

    def wait(self, timeout: float) -> tuple[dict, float | None]:
        """Poll until COUNT changes are stored; returns the last figures and when all were (None: timed out)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.peak = max(self.peak, rss_bytes(self.engine.proc.pid))
            seen = self.written()
            if seen["n"] >= self.count:
                return seen, time.time()
            time.sleep(0.25)
        return self.written(), None


def report(name: str, seen: dict, done: float | None, start: float, count: int) -> None:
    if not seen["n"]:
        print(f"  {name}: no state change stored")
        return
    first, last = seen["first"].timestamp() - start, seen["last"].timestamp() - start
    print(f"  {name}: changes found from {first:.1f} s to {last:.1f} s after the start")
    if done is None:
        print(f"  NOT DONE: {seen['n']:,} of {count:,} stored by the timeout")
        return
    print(f"  all {count:,} stored {done - start:.1f} s after the start: {done - start - last:.1f} s after the "
          f"last was found, {done - start - first:.1f} s after the first")


def memory(name: str, before: int, peak: int, after: int) -> None:
    mib = 2 ** 20
    print(f"  RSS {name}: before {before / mib:.0f} MiB, peak {peak / mib:.0f} MiB, after {after / mib:.0f} MiB "
          f"({after / before - 1:+.0%} of before; goal within 20 %)")


def backlog(engine: Engine, since: int) -> int:
    return max((line.get("pending", 0) for line in engine.stats[since:]), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100_000)
    parser.add_argument("--interval", type=int, default=60, help="seconds between checks of each monitor")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for each storm to be stored")
    parser.add_argument("--one-batch", type=int, default=None, metavar="N",
                        help="state changes in the one-batch figure (default: --monitors; 0 skips it)")
    parser.add_argument("--settle", type=float, default=15, help="seconds after a storm before 'after' memory")
    add_arguments(parser)
    args = parser.parse_args()
    n = args.monitors
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir, \
            ExitStack() as target:
        setup_django(data_dir)
        port = target.enter_context(nginx())
        create_monitors(n, port, interval=args.interval)
        print(f"Storms of {n:,} monitors every {args.interval} s on {database} (nginx on loopback)")
        if args.one_batch != 0:
            one_batch(n if args.one_batch is None else args.one_batch)
        start = time.time()
        engine = Engine(custode_env(data_dir))
        try:
            engine.wait_loaded(n, 300)
            loaded = time.time() - start
            storm = Storm(engine, n, from_state="unknown")
            storm.peak = before = rss_bytes(engine.proc.pid)
            seen, done = storm.wait(args.timeout)
            print(f"First start ({n:,} monitors loaded {loaded:.1f} s after the start, RSS {before / 2**20:.0f} MiB)")
            report("unknown -> up", seen, done, start, n)
            if done is not None:
                print(f"  every monitor had its first check {seen['last'].timestamp() - start:.1f} s after the "
                      f"start, {seen['last'].timestamp() - start - loaded:.1f} s after loading "
                      f"(goal within one interval, {args.interval} s)")
            time.sleep(args.settle)
            after = rss_bytes(engine.proc.pid)
            memory("first start", before, storm.peak, after)
            print(f"  largest backlog the engine reported: {backlog(engine, 0):,} results and changes")

            stats_seen = len(engine.stats)
            target.close()  # nginx stops: every monitor goes down at its next check
            down_start = time.time()
            storm = Storm(engine, n, to_state="down")
            storm.peak = before = after
            seen, done = storm.wait(args.timeout)
            print("Uplink failure (nginx stopped)")
            report("up -> down", seen, done, down_start, n)
            time.sleep(args.settle)
            memory("uplink failure", before, storm.peak, rss_bytes(engine.proc.pid))
            print(f"  largest backlog the engine reported: {backlog(engine, stats_seen):,} results and changes")
        finally:
            stop(engine.proc)


if __name__ == "__main__":
    sys.exit(main())
