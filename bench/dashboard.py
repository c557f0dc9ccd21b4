#!/usr/bin/env python3
"""bench/dashboard: the staff dashboard and the API at 100,000 monitors while the engine checks them all.

Builds 100,000 HTTP monitors (1,000 customers with two assets each, and the infrastructure), checked every
60 s by `custode engine` against nginx on loopback (1 % point at a closed port and stay down), serves them
with `custode web`, and times, logged in as staff (median and p95 of --requests each):
  - the dashboard's first page, last page (its "Last" link) and a filtered page (state=down and a customer);
  - the API's deepest page of monitors (the cursor followed to the end; the last hop is timed).
Then the same requests with the engine stopped: their ratio is what the running engine costs the web; and the
web process's CPU time per request, which is what a page takes from the engine on a machine with few cores.
Prints the engine's scheduling lag p99 before and during the dashboard's load.
Goals: every page < 300 ms with the engine running; lag p99 during the load < 1 s.

Usage: bench/dashboard.py [--monitors 100000] [--requests 15] [--settle 60] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlencode

from common import (add_arguments, configured, cpu_seconds, custode, custode_env, free_port, nginx, setup_django, stop,
                    wait_port)
from engine import Engine

CUSTOMERS = 1000
DOWN_EVERY = 100  # one monitor in DOWN_EVERY points at a closed port
USER = "bench-staff"


def world(monitors: int, up_url: str, down_url: str) -> str:
    """MONITORS monitors over CUSTOMERS customers (two assets each) and 20 infrastructure assets, already in
    the state their target gives (so the engine's first round changes nothing); the key of a customer with
    down monitors."""
    from django.utils import timezone

    from custode.assets.models import Asset
    from custode.directory.models import Customer
    from custode.monitors.models import Monitor

    customers = Customer.objects.bulk_create(
        Customer(key=f"c{n:04}", name=f"Customer {(n * 7919) % CUSTOMERS:04}") for n in range(CUSTOMERS))
    owners = [None] * 10 + [c for c in customers]
    assets = Asset.objects.bulk_create(
        Asset(key=f"a{n:05}", customer=owner, kind="server", name=f"srv-{(n * 31) % 97:02}.example")
        for n, owner in enumerate(o for o in owners for _ in range(2)))
    now = timezone.now()
    Monitor.objects.bulk_create(
        (Monitor(key=f"m{n:06}", asset=assets[n % len(assets)], type="http", interval=60, retries=0, timeout=10.0,
                 spec={"url": down_url if n % DOWN_EVERY == 0 else up_url},
                 state="down" if n % DOWN_EVERY == 0 else "up", state_since=now)
         for n in range(monitors)),
        batch_size=5000,
    )
    down = Monitor.objects.filter(state="down", asset__customer__isnull=False).select_related("asset__customer")
    return down.first().asset.customer.key


def credentials() -> tuple[str, str]:
    """A staff member's session cookie and API token."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from custode.accounts.services import token_create

    user = get_user_model().objects.create_user(USER, is_staff=True)
    client = Client()
    client.force_login(user)
    _, token = token_create(username=USER)
    return f"sessionid={client.cookies['sessionid'].value}", token


class Web:
    """GET requests to `custode web` as the staff member, each timed."""

    def __init__(self, port: int, cookie: str, token: str):
        self.base, self.cookie, self.token = f"http://127.0.0.1:{port}", cookie, token

    def get(self, path: str) -> tuple[float, bytes]:
        request = urllib.request.Request(self.base + path, headers={
            "Cookie": self.cookie, "Authorization": f"Bearer {self.token}"})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
        return time.perf_counter() - start, body

    def link(self, path: str, rel: str) -> str:
        found = re.search(rf'<a rel="{rel}" href="([^"]+)"', self.get(path)[1].decode())
        if found is None:
            raise RuntimeError(f"{path}: no {rel} link")
        return "/" + html.unescape(found.group(1)).lstrip("/")

    def deepest_api_page(self) -> str:
        """The API's last page of monitors (100 items), found by following its cursor to the end."""
        path, keys = "/api/v1/monitors?limit=1000", []
        while path:
            page = json.loads(self.get(path)[1])
            keys += [item["id"] for item in page["items"]]
            path = page["next"] and page["next"].removeprefix(self.base)
        return f"/api/v1/monitors?{urlencode({'limit': 100, 'after': keys[-101]})}"


def timings(web: Web, pages: dict[str, str], requests: int, pid: int) -> dict[str, tuple[list[float], float]]:
    """Each page requested REQUESTS times, in turn, so every page sees the same engine load: the times, and the
    CPU seconds the web process spent per request (what it takes from the engine, whatever else runs)."""
    times, cpu = {name: [] for name in pages}, dict.fromkeys(pages, 0.0)
    for _ in range(requests):
        for name, path in pages.items():
            before = cpu_seconds(pid)
            times[name].append(web.get(path)[0])
            cpu[name] += cpu_seconds(pid) - before
    return {name: (times[name], cpu[name] / requests) for name in pages}


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms"


def lag_p99(engine: Engine, since: float, until: float) -> float:
    """The worst lag p99 the engine reported in (SINCE, UNTIL] (each report covers about its last 12 s)."""
    return max((line["lag_p99_ms"] for line in engine.lines_between(since, until)), default=float("nan"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15, help="requests per page, for the median and p95")
    parser.add_argument("--settle", type=int, default=60, help="seconds the engine checks before the load starts")
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir, \
            nginx() as target:
        setup_django(data_dir)
        started = time.monotonic()
        customer = world(args.monitors, f"http://127.0.0.1:{target}/", f"http://127.0.0.1:{free_port()}/")
        cookie, token = credentials()
        print(f"{database}: {args.monitors:,} monitors, {CUSTOMERS:,} customers, built in "
              f"{time.monotonic() - started:.0f} s")
        port = free_port()
        web_proc = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
        engine = Engine({**custode_env(data_dir), "CUSTODE_LOG_LEVEL": "ERROR"})  # not a line per late check
        try:
            wait_port(port, 60)
            web = Web(port, cookie, token)
            engine.wait_stats(lambda line: line["checks"] >= args.monitors, 300)
            quiet_from = time.monotonic()
            time.sleep(args.settle)
            quiet = lag_p99(engine, quiet_from, time.monotonic())
            pages = {
                "dashboard, first page": "/",
                "dashboard, last page": web.link("/", "last"),
                "dashboard, state=down + customer": f"/?{urlencode({'state': 'down', 'customer': customer})}",
                "API, deepest page (cursor)": web.deepest_api_page(),
            }
            time.sleep(12)  # the engine's lag during the API walk is left out of the next report
            load_from = time.monotonic()
            running = timings(web, pages, args.requests, web_proc.pid)
            time.sleep(12)  # the next stats line covers the end of the load
            during = lag_p99(engine, load_from, time.monotonic())
            rate = engine.stats[-1][1]["checks_per_s"]
            stop(engine.proc)
            stopped = timings(web, pages, args.requests, web_proc.pid)
        finally:
            stop(engine.proc)
            stop(web_proc)
    print(f"engine: {rate:.0f} checks/s; lag p99 {quiet:.0f} ms before the load, {during:.0f} ms during it "
          f"(goal < 1,000 ms)")
    worst = 0.0
    for name in pages:
        (ran, cpu), (still, _) = running[name], stopped[name]
        worst = max(worst, statistics.median(ran))
        ratio = statistics.median(ran) / statistics.median(still)
        print(f"{name:34} engine running: {summary(ran)}; stopped: {summary(still)}; ratio {ratio:.2f}x; "
              f"web CPU {cpu * 1000:.0f} ms a request")
    met = worst < 0.3 and during < 1000
    print(f"goal (every median < 300 ms, lag p99 < 1 s): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
