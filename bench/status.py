#!/usr/bin/env python3
"""bench/status: the public status page under a storm, against nginx serving a static copy of its bytes.

Applies a config with 200 public components (90 days of hourly rollups each) and opens an incident
with a public update, then loads `/status/<slug>/` from `custode web` (SQLite) and, in the same run,
the same bytes as a static file from nginx (gzipped for both, as browsers ask), with the same wrk
(1 thread, 50 keep-alive connections).
Prints req/s for both, their ratio, and the p99 latency of each at a paced ~1,000 req/s.

Usage: bench/status.py [--seconds 10] [--connections 50] [--components 200] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import urllib.request
from pathlib import Path

from common import add_arguments, configured, custode, custode_env, free_port, nginx, run_wrk, setup_django, stop, wait_port

SLUG = "stato"


def config(components: int) -> str:
    """A provider with a public status page and COMPONENTS public servers, each with a ping monitor."""
    lines = [
        "provider:",
        "  name: Rete Sicura",
        "  timezone: Europe/Rome",
        "  language: it",
        "  contact: {phone: '+39 0521 000000', email: assistenza@retesicura.example}",
        f"  status_page: {{slug: {SLUG}, title: Rete Sicura}}",
        "staff:",
        "  - {username: anna, name: Anna Rossi, on_call: true}",
        "infrastructure:",
    ]
    for n in range(components):
        lines += [f"  - id: srv-{n:03}", "    kind: server", f"    name: srv-{n:03}.retesicura.example",
                  "    public: true",
                  f"    monitors: [{{id: srv-{n:03}-ping, type: ping, host: 192.0.2.{n % 250 + 1}}}]"]
    return "\n".join(lines) + "\n"


def world(data_dir: str, components: int) -> None:
    from django.utils import timezone

    from custode.config.apply import apply_file
    from custode.directory.models import StaffProfile
    from custode.incidents import services
    from custode.incidents.models import Incident
    from custode.incidents.processor import step
    from custode.monitors.models import Monitor
    from custode.results.models import Rollup
    from custode.testing import factories

    path = Path(data_dir) / "custode.yaml"
    path.write_text(config(components))
    apply_file(path)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    monitors = list(Monitor.objects.order_by("key"))
    for monitor in monitors:
        Rollup.objects.bulk_create(
            (Rollup(monitor=monitor, hour=now - dt.timedelta(hours=h), count=60, up_count=60 if h % 97 else 55)
             for h in range(90 * 24)), batch_size=5000)
    factories.state_change(monitors[0], "down", at=timezone.now())
    while step(now=timezone.now()):
        pass
    incident = Incident.objects.get()
    services.incident_post_update(incident=incident, author=StaffProfile.objects.get(), status="identified",
                                  template="identified", at=timezone.now())


GZIP = {"Accept-Encoding": "gzip"}


def load(url: str, args, rate: int | None = None) -> dict:
    """wrk as a browser asks: gzip accepted."""
    return run_wrk(url, seconds=args.seconds, connections=args.connections, rate=rate,
                   headers=tuple(f"{k}: {v}" for k, v in GZIP.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--components", type=int, default=200)
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        world(data_dir, args.components)
        port = free_port()
        web = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
        try:
            wait_port(port, 60)
            url = f"http://127.0.0.1:{port}/status/{SLUG}/"
            body = urllib.request.urlopen(url, timeout=60).read()
            gzipped = urllib.request.urlopen(urllib.request.Request(url, headers=GZIP), timeout=60).read()
            ours = load(url, args)
            ours_paced = load(url, args, rate=1000)
        finally:
            stop(web)
        files = {f"status/{SLUG}/index.html": body, f"status/{SLUG}/index.html.gz": gzipped}
        with nginx(files=files) as nginx_port:
            static = f"http://127.0.0.1:{nginx_port}/status/{SLUG}/index.html"
            reference = load(static, args)
            reference_paced = load(static, args, rate=1000)
    print(f"page: {args.components} components, an active incident, {len(body):,} bytes "
          f"({len(gzipped):,} gzipped, as both servers send it)")
    print(f"custode web: {ours['rps']:.0f} req/s ({ours['errors']} errors {ours['socket_errors']}); "
          f"at {ours_paced['rps']:.0f} req/s p99 {ours_paced['p99_ms']:.1f} ms")
    print(f"nginx static copy: {reference['rps']:.0f} req/s; "
          f"at {reference_paced['rps']:.0f} req/s p99 {reference_paced['p99_ms']:.1f} ms")
    ratio = ours["rps"] / reference["rps"]
    print(f"ratio: {ratio:.2f}x nginx (goal: >= 0.25x, p99 < 50 ms at 1,000 req/s, no errors)")
    failed = ours["errors"] or ours_paced["errors"] or ours["socket_errors"]
    if failed:
        print("FAILED: some requests were refused", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
