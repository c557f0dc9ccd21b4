#!/usr/bin/env python3
"""bench/ping: heartbeat pings per second into `custode web` with real storage, compared with nginx.

Both are loaded by the same wrk (1 thread, 50 keep-alive connections by default) on this machine; nginx
answers a fixed body, Custode stores every ping before answering. The pings go round --monitors push
monitors (each batch then marks that many monitors), and with --close each ping opens its own
connection, as a cron job's curl does. Prints pings/s, Custode's CPU seconds (pings per CPU-second
does not depend on what else the machine runs), nginx requests/s, their ratio, p99 latency, and
checks that every ping was stored.

Usage: bench/ping.py [--seconds 10] [--connections 50] [--monitors 100] [--close] [--port-range 20000-20099]
                     [--postgres URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from common import (add_arguments, configured, cpu_seconds, custode, custode_env, free_port, nginx, run_wrk,
                    setup_django, stop, wait_port)


def round_robin(tokens: list[str]) -> str:
    """wrk's Lua that sends each request to the next of TOKENS' ping URLs."""
    listed = ", ".join(f'"{token}"' for token in tokens)
    return (f"tokens = {{{listed}}}\nn = 0\n"
            "request = function()\n  n = n + 1\n  return wrk.format(nil, \"/ping/\" .. tokens[n % #tokens + 1])\nend\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--monitors", type=int, default=100, help="push monitors pinged in turn (default 100)")
    parser.add_argument("--close", action="store_true", help="a new connection for every ping")
    add_arguments(parser)
    args = parser.parse_args()
    load = dict(seconds=args.seconds, connections=args.connections, close=args.close)
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        from custode.assets.models import Asset
        from custode.monitors.models import Monitor
        from custode.results.models import Ping

        asset = Asset.objects.create(key="backup-server", kind="server", name="backup server")
        Monitor.objects.bulk_create(Monitor(key=f"job-{n}", asset=asset, type="push", interval=300, spec={})
                                    for n in range(args.monitors))
        tokens = [str(token) for token in Monitor.objects.values_list("push_token", flat=True)]
        port = free_port()
        web = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
        try:
            wait_port(port, 60)
            before = cpu_seconds(web.pid)
            ours = run_wrk(f"http://127.0.0.1:{port}/", script=round_robin(tokens), **load)
            cpu = cpu_seconds(web.pid) - before
        finally:
            stop(web)
        stored = Ping.objects.count()
        with nginx(body="OK") as nginx_port:
            reference = run_wrk(f"http://127.0.0.1:{nginx_port}/", **load)
    connections = f"{args.connections} {'new connections for each ping' if args.close else 'keep-alive connections'}"
    print(f"load: {connections}, {args.monitors} push monitors, {args.seconds} s")
    print(f"custode web on {database}: {ours['rps']:.0f} pings/s (p99 {ours['p99_ms']:.1f} ms, {ours['errors']} errors, "
          f"{stored} of {ours['requests']} stored), {cpu:.1f} CPU-s: {stored / cpu:.0f} pings per CPU-second")
    print(f"nginx fixed body: {reference['rps']:.0f} requests/s (p99 {reference['p99_ms']:.1f} ms)")
    print(f"ratio: {ours['rps'] / reference['rps']:.2f}x nginx (goal: >= 5,000 pings/s)")
    if ours["errors"] or ours["socket_errors"] or stored < ours["requests"]:
        print("FAILED: some pings were refused or not stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
