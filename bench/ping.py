#!/usr/bin/env python3
"""bench/ping: heartbeat pings per second into `custode web` with real storage, compared with nginx.

Both are loaded by the same wrk (1 thread, 50 keep-alive connections) on this machine; nginx answers
a fixed body, Custode stores every ping (SQLite in a temporary data dir) before answering.
Prints pings/s, nginx requests/s, their ratio, p99 latency, and checks that every ping was stored.

Usage: bench/ping.py [--seconds 10] [--connections 50] [--port-range 20000-20099] [--postgres URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from common import add_arguments, configured, custode, custode_env, free_port, nginx, run_wrk, setup_django, stop, wait_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        from custode.assets.models import Asset
        from custode.monitors.models import Monitor
        from custode.results.models import Ping

        asset = Asset.objects.create(key="backup-server", kind="server", name="backup server")
        monitor = Monitor.objects.create(key="nightly-backup", asset=asset, type="push", interval=300, spec={})
        port = free_port()
        web = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
        try:
            wait_port(port, 60)
            ours = run_wrk(f"http://127.0.0.1:{port}/ping/{monitor.push_token}", seconds=args.seconds,
                           connections=args.connections)
        finally:
            stop(web)
        stored = Ping.objects.count()
        with nginx(body="OK") as nginx_port:
            reference = run_wrk(f"http://127.0.0.1:{nginx_port}/", seconds=args.seconds, connections=args.connections)
    print(f"custode web on {database}: {ours['rps']:.0f} pings/s (p99 {ours['p99_ms']:.1f} ms, {ours['errors']} errors, "
          f"{stored} of {ours['requests']} stored)")
    print(f"nginx fixed body: {reference['rps']:.0f} requests/s (p99 {reference['p99_ms']:.1f} ms)")
    print(f"ratio: {ours['rps'] / reference['rps']:.2f}x nginx (goal: >= 5,000 pings/s)")
    if ours["errors"] or stored < ours["requests"]:
        print("FAILED: some pings were refused or not stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
