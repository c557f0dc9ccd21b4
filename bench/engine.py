#!/usr/bin/env python3
"""bench/engine: HTTP checks per engine CPU-second at three loads, against nginx on loopback, compared with wrk.

Runs the real engine (`custode engine`) with real result storage (SQLite in a temporary data dir, or a
throw-away PostgreSQL database with --postgres) and, for each load, prints what was measured in this run:
  - checks per engine CPU-second: requests counted at the target (nginx's counter) over the CPU the engine
    process used (its database thread included), and the ratio to `wrk -H "Connection: close"`'s requests
    per wrk CPU-second against the same nginx (goal >= 0.30x at every load: a check costs the same at
    light load as at saturation);
  - on time: checks done over checks due in the window (goal >= 0.98);
  - lag p99: how late checks started, from the engine's stats lines in the window (goal < 1 s);
  - how long the engine ran (and its database thread, which writes the results), and how long it waited for
    a CPU, per second: on a shared machine an engine that waits about as long as it runs is crowded out, and
    its on-time figure says little about it.

The loads: light (6,000 monitors every 10 s: 600/s), steady (100,000 every 60 s: 1,667/s; --scale 0.2 keeps
the rate with 20,000 monitors every 12 s) and saturation (4,000 every 1 s). Every monitor has its own URL,
as a provider's do; monitors start UP, so the figures are the steady state, not the first-start storm.

With --engines 2 (PostgreSQL only), each load is measured again with two engines sharing the monitors through
their leases, in the same run: their checks per CPU-second (both engines' CPU) against one engine's, and what
the second engine adds to the first one's capacity, 2 x that ratio - 1 (goal >= 0.9x).

Successive measurements of the same code differ by up to a tenth (the machine's caches, its neighbours), and
what the second engine adds doubles that. With --rounds N each load is measured N times (one engine then two, and
two then one in the next round, so that a machine drifting slower or faster over the minutes of a run weighs on
both alike), and a last line pools the rounds: all their checks over all their CPU. Use an even N.

Usage: bench/engine.py [--seconds 20] [--scale 1] [--saturation 4000] [--loads light,steady,saturation]
                       [--engines 1|2] [--rounds 1] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common import (add_arguments, configured, cpu_seconds, custode, custode_env, nginx, nginx_requests,
                    rss_bytes, run_wrk, setup_django, stop)

WARM_UP = 5.0  # seconds after every monitor is loaded and checking, before the window opens


@dataclass
class Load:
    name: str
    monitors: int
    interval: int

    @property
    def rate(self) -> float:
        return self.monitors / self.interval


def loads(args: argparse.Namespace) -> list[Load]:
    steady = max(1, round(60 * args.scale))
    every = {
        "light": Load("light", 6000, 10),
        "steady": Load("steady", round(1667 * steady), steady),
        "saturation": Load("saturation", args.saturation, 1),
    }
    names = args.loads.split(",")
    unknown = [n for n in names if n not in every]
    if unknown:
        raise SystemExit(f"--loads: unknown load {unknown[0]!r}; choose among {', '.join(every)}")
    return [every[n] for n in names]


def clear_monitors() -> None:
    """Remove monitors and everything the engine wrote about them, by table (Django's cascade is too slow)."""
    from django.db import connection

    from custode.incidents.models import Incident
    from custode.monitors.models import Monitor
    from custode.results.models import CheckResult, Ping, Rollup, StateChange

    tables = [m._meta.db_table for m in (CheckResult, Rollup, StateChange, Ping, Incident.monitors.through, Monitor)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def create_monitors(count: int, port: int, interval: int) -> None:
    """COUNT HTTP monitors, each with its own URL on nginx, already UP (the steady state, not a first start)."""
    from custode.assets.models import Asset
    from custode.monitors.models import Monitor

    clear_monitors()
    asset, _ = Asset.objects.get_or_create(key="bench-target", defaults={"kind": "server", "name": "bench target"})
    now = dt.datetime.now(dt.timezone.utc)
    Monitor.objects.bulk_create(
        [Monitor(key=f"bench-{i}", asset=asset, type="http", interval=interval, retries=0, timeout=10.0,
                 state="up", state_since=now, spec={"url": f"http://127.0.0.1:{port}/m/{i}"})
         for i in range(count)],
        batch_size=5000,
    )


class Engine:
    """`custode engine` as a child process, its JSON stats lines collected as they come (with their time)."""

    def __init__(self, env: dict):
        self.proc = custode("engine", env=env, stdout=subprocess.PIPE, text=True)
        self.stats: list[tuple[float, dict]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.stats.append((time.monotonic(), json.loads(line)))

    def wait_stats(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the engine exited with status {self.proc.returncode}")
            for _, line in reversed(self.stats):
                if predicate(line):
                    return line
            time.sleep(0.2)
        raise RuntimeError(f"the engine did not report as expected; last stats: {self.stats[-1:]}")

    def lines_between(self, start: float, end: float) -> list[dict]:
        return [line for at, line in self.stats if start < at <= end]


def cpu_waited(pid: int) -> float:
    """Seconds PID's threads have spent runnable but waiting for a CPU (the kernel's schedstat): on a shared
    machine, an engine that waits about as long as it runs is crowded out, not out of CPU of its own."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def database_cpu(pid: int) -> float:
    """CPU seconds of PID's database thread (``Engine.db``, named custode-db): what writing results costs."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "comm").read_text().startswith("custode-db"):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass  # a thread that ended meanwhile
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    load: Load
    checks: int
    cpu: float
    seconds: float
    lag_p99_ms: float
    rss: int
    waited: float
    database: float  # CPU seconds of the engines' database threads
    engines: int = 1

    @property
    def per_cpu(self) -> float:
        return self.checks / self.cpu

    @property
    def on_time(self) -> float:
        return min(1.0, self.checks / (self.load.rate * self.seconds))


def measure(data_dir: str, port: int, load: Load, seconds: int, engines: int = 1) -> Measured:
    """LOAD checked by ENGINES engines: the checks counted at nginx over the CPU all of them used."""
    create_monitors(load.monitors, port, load.interval)
    running = [Engine(custode_env(data_dir)) for _ in range(engines)]
    try:
        for engine in running:
            engine.wait_stats(lambda s: s["monitors"] == load.monitors, 300)
        if engines > 1:
            shared_evenly(engines)
        running[0].wait_stats(lambda s: s["checks"] > 0, 120)
        # Engines sharing: an interval more, so every monitor handed over has been checked once by its new engine.
        time.sleep(WARM_UP + (load.interval if engines > 1 else 0))
        pids = [engine.proc.pid for engine in running]
        requests0, t0 = nginx_requests(port), time.monotonic()
        cpu0, waited0, db0 = sum(map(cpu_seconds, pids)), sum(map(cpu_waited, pids)), sum(map(database_cpu, pids))
        time.sleep(seconds)
        requests1, t1 = nginx_requests(port), time.monotonic()
        cpu1, waited1, db1 = sum(map(cpu_seconds, pids)), sum(map(cpu_waited, pids)), sum(map(database_cpu, pids))
        rss = sum(map(rss_bytes, pids))
        time.sleep(10.5)  # the stats line that covers the window's end
        lines = [line for engine in running for line in engine.lines_between(t0, t1 + 10.5)]
    finally:
        for engine in running:
            stop(engine.proc)
    lag = max((line["lag_p99_ms"] for line in lines), default=float("nan"))
    return Measured(load, requests1 - requests0 - 1, cpu1 - cpu0, t1 - t0, lag, rss, waited1 - waited0, db1 - db0,
                    engines)


def shared_evenly(engines: int, timeout: float = 60) -> None:
    """Wait until each of ENGINES engines holds its share of the slots (``custode.engine.leases``)."""
    from django.db.models import Count
    from django.utils import timezone

    from custode.engine.leases import SLOTS
    from custode.engine.models import SlotLease

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        valid = SlotLease.objects.filter(engine_id__isnull=False, expires_at__gt=timezone.now())
        held = [row["n"] for row in valid.values("engine_id").annotate(n=Count("id"))]
        if len(held) == engines and sum(held) == SLOTS and max(held) - min(held) <= engines:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the {engines} engines did not share the slots within {timeout:.0f} s")


def wrk_reference(port: int, seconds: int) -> float:
    result = run_wrk(f"http://127.0.0.1:{port}/", seconds=seconds, connections=50, close=True)
    print(f"wrk -H 'Connection: close': {result['requests']} requests ({result['rps']:.0f}/s) using "
          f"{result['cpu']:.2f} CPU-s: {result['requests'] / result['cpu']:.0f} requests/CPU-s", flush=True)
    return result["requests"] / result["cpu"]


def report(m: Measured, reference: float) -> None:
    """One line per load. The engine's use of a core, its wait for one and the machine's load average say
    whether a late engine lacked CPU of its own or was crowded out (on a shared machine, on time means little
    then; checks per CPU-s still holds)."""
    load = m.load
    print(f"{load.name:<10} {load.monitors:>7,} every {load.interval:>2}s ({load.rate:>5,.0f}/s), "
          f"{m.engines} engine{'s' if m.engines > 1 else ''}: "
          f"{m.checks / m.seconds:>5,.0f} checks/s, {m.per_cpu:>5,.0f} checks/CPU-s, {m.per_cpu / reference:.2f}x wrk, "
          f"on time {m.on_time:.3f}, lag p99 {m.lag_p99_ms / 1000:.2f} s; engine ran {m.cpu / m.seconds:.2f} s/s "
          f"(its database thread {m.database / m.seconds:.2f}), "
          f"waited for a CPU {m.waited / m.seconds:.2f} s/s; RSS {m.rss / 2**20:.0f} MiB; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each measuring window")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="the steady load's monitors and interval times this (same rate): 0.2 for a quick run")
    parser.add_argument("--saturation", type=int, default=4000, help="monitors checked every second at saturation")
    parser.add_argument("--loads", default="light,steady,saturation", help="which loads, comma-separated")
    parser.add_argument("--engines", type=int, choices=(1, 2), default=1,
                        help="2: measure each load with two engines sharing it too (needs --postgres)")
    parser.add_argument("--rounds", type=int, default=1, help="measure each load this many times, and pool them")
    add_arguments(parser)
    args = parser.parse_args()
    if args.rounds < 1:
        raise SystemExit(f"--rounds {args.rounds}: measure at least once")
    if args.engines == 2 and not args.postgres:
        raise SystemExit("--engines 2: engines share monitors on PostgreSQL only (SQLite runs one); add --postgres URL")
    chosen = loads(args)
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir, nginx() as port:
        setup_django(data_dir)
        print(f"HTTP checks per engine CPU-second ({database}; target: nginx on loopback; goals: >= 0.30x wrk, "
              f"on time >= 0.98, lag p99 < 1 s)", flush=True)
        reference = wrk_reference(port, args.seconds)
        for load in chosen:
            ones, twos = [], []
            for turn in range(args.rounds):
                for engines in order(args.engines, turn):
                    measured = measure(data_dir, port, load, args.seconds, engines)
                    (ones if engines == 1 else twos).append(measured)
                    report(measured, reference)
                if args.engines == 2:
                    compare(ones[-1], twos[-1])
            if args.rounds > 1:
                one = pooled(ones)
                print(f"{load.name:<10} {args.rounds} rounds pooled: one engine {one.per_cpu:,.0f} checks/CPU-s, "
                      f"{one.per_cpu / reference:.2f}x wrk", flush=True)
                if twos:
                    compare(one, pooled(twos))


def order(engines: int, turn: int) -> tuple[int, ...]:
    """How many engines each measurement of round TURN runs: one alone, or one and two, swapped every other round."""
    if engines == 1:
        return (1,)
    return (1, 2) if turn % 2 == 0 else (2, 1)


def pooled(rounds: list[Measured]) -> Measured:
    """The rounds as one measurement: their checks over their CPU."""
    first = rounds[0]
    return Measured(first.load, sum(m.checks for m in rounds), sum(m.cpu for m in rounds),
                    sum(m.seconds for m in rounds), max(m.lag_p99_ms for m in rounds), first.rss,
                    sum(m.waited for m in rounds), sum(m.database for m in rounds), first.engines)


def compare(one: Measured, two: Measured) -> None:
    ratio = two.per_cpu / one.per_cpu
    print(f"{'':<10} two engines: {ratio:.2f}x one engine's checks per CPU-s; the second adds "
          f"{2 * ratio - 1:.2f}x the first one's capacity (goal >= 0.9x)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
