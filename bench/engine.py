#!/usr/bin/env python3
"""bench/engine: HTTP checks per engine CPU-second against nginx on loopback, compared with wrk.

Runs the real engine (`custode engine`) with real result storage (SQLite in a temporary data dir)
and prints, measured in this run:
  1. checks per engine CPU-second, counted at the target (nginx's request counter), and the same
     figure for `wrk -H "Connection: close"` against the same nginx: their ratio (goal >= 0.30);
  2. scheduling lag p50/p99 at 1,000 checks/s (goal p99 < 1 s);
  3. resident memory per monitor with 100,000 monitors loaded (goal <= 2 KiB).

Usage: bench/engine.py [--seconds 20] [--monitors 100000] [--quick] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time

from common import (add_arguments, configured, cpu_seconds,
                    custode, custode_env, nginx, nginx_requests, rss_bytes, run_wrk, setup_django,
                    stop)


def create_monitors(count: int, url: str, interval: int) -> None:
    from custode.assets.models import Asset
    from custode.monitors.models import Monitor

    Monitor.objects.all().delete()
    asset, _ = Asset.objects.get_or_create(key="bench-target", defaults={"kind": "server", "name": "bench target"})
    Monitor.objects.bulk_create(
        [Monitor(key=f"bench-{i}", asset=asset, type="http", interval=interval, retries=0, timeout=10.0,
                 spec={"url": url}) for i in range(count)],
        batch_size=5000,
    )


class Engine:
    """`custode engine` as a child process, its JSON stats lines collected as they come."""

    def __init__(self, env: dict):
        self.proc = custode("engine", env=env, stdout=__import__("subprocess").PIPE, text=True)
        self.stats: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.stats.append(json.loads(line))

    def wait_stats(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in reversed(self.stats):
                if predicate(line):
                    return line
            time.sleep(0.2)
        raise RuntimeError(f"the engine did not report as expected; last stats: {self.stats[-1:]}")


def throughput(data_dir: str, port: int, seconds: int, monitors: int) -> float:
    create_monitors(monitors, f"http://127.0.0.1:{port}/", interval=1)
    engine = Engine(custode_env(data_dir))
    try:
        engine.wait_stats(lambda s: s["checks"] > 0, 60)
        requests0, cpu0, t0 = nginx_requests(port), cpu_seconds(engine.proc.pid), time.monotonic()
        time.sleep(seconds)
        requests1, cpu1, t1 = nginx_requests(port), cpu_seconds(engine.proc.pid), time.monotonic()
    finally:
        stop(engine.proc)
    checks = requests1 - requests0 - 1
    cpu = cpu1 - cpu0
    print(f"  engine: {checks} checks at nginx in {t1 - t0:.1f}s ({checks / (t1 - t0):.0f}/s) "
          f"using {cpu:.2f} CPU-s: {checks / cpu:.0f} checks/CPU-s")
    return checks / cpu


def wrk_reference(port: int, seconds: int) -> float:
    result = run_wrk(f"http://127.0.0.1:{port}/", seconds=seconds, connections=50, close=True)
    print(f"  wrk -H 'Connection: close': {result['requests']} requests ({result['rps']:.0f}/s) using "
          f"{result['cpu']:.2f} CPU-s: {result['requests'] / result['cpu']:.0f} requests/CPU-s")
    return result["requests"] / result["cpu"]


def lag(data_dir: str, port: int) -> dict:
    create_monitors(1000, f"http://127.0.0.1:{port}/", interval=1)
    engine = Engine(custode_env(data_dir))
    try:
        engine.wait_stats(lambda s: s["checks"] > 0, 60)
        line = engine.wait_stats(lambda s: s["checks"] > 15000, 60)
    finally:
        stop(engine.proc)
    print(f"  1,000 monitors every 1s: {line['checks_per_s']:.0f} checks/s, "
          f"lag p50 {line['lag_p50_ms']:.1f} ms, p99 {line['lag_p99_ms']:.1f} ms")
    return line


def memory(data_dir: str, port: int, monitors: int) -> float:
    create_monitors(0, "", 60)
    engine = Engine(custode_env(data_dir))
    try:
        engine.wait_stats(lambda s: True, 60)
        empty = rss_bytes(engine.proc.pid)
    finally:
        stop(engine.proc)
    create_monitors(monitors, f"http://127.0.0.1:{port}/", interval=60)
    engine = Engine(custode_env(data_dir))
    try:
        line = engine.wait_stats(lambda s: s["monitors"] == monitors and s["checks"] > monitors // 20, 180)
        full = rss_bytes(engine.proc.pid)
    finally:
        stop(engine.proc)
    per = (full - empty) / monitors
    print(f"  {monitors:,} monitors: RSS {full / 2**20:.0f} MiB (empty engine {empty / 2**20:.0f} MiB): "
          f"{per / 1024:.2f} KiB per monitor; {line['checks_per_s']:.0f} checks/s, "
          f"lag p99 {line['lag_p99_ms']:.0f} ms")
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--monitors", type=int, default=100_000, help="for the memory figure")
    parser.add_argument("--quick", action="store_true", help="throughput and lag only")
    parser.add_argument("--load", type=int, default=4000, help="monitors checked every second for the throughput figure")
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir, nginx() as port:
        setup_django(data_dir)
        print("HTTP checks per CPU-second (target: nginx on loopback)")
        ours = throughput(data_dir, port, args.seconds, monitors=args.load)
        reference = wrk_reference(port, args.seconds)
        print(f"  ratio: {ours / reference:.2f}x wrk (goal >= 0.30x; {ours:.0f} checks/CPU-s, goal >= 5,000)")
        print("Scheduling lag")
        lag(data_dir, port)
        if not args.quick:
            print("Memory")
            memory(data_dir, port, args.monitors)


if __name__ == "__main__":
    sys.exit(main())
