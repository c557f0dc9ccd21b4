#!/usr/bin/env python3
"""bench/apply: `custode apply -f` of a config with many monitors, first, again unchanged, and with 1 % changed.

Generates a file of N monitors (default 100,000: 2,000 customers x 5 assets x 10 monitors, HTTP, TCP and push
mixed, written as people write them) and applies it in this process to a fresh database, timing:
reading the file alone (YAML and schema), the first apply, a second apply of the same file (nothing may
change), and an apply with 1 % of the monitors' intervals changed (exactly those must be updated).
Prints seconds and monitors/s for each, and the ratio to the goal (100,000 monitors in under 60 s).

Usage: bench/apply.py [--monitors 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import add_arguments, configured, setup_django

GOAL_SECONDS_PER_100K = 60.0
ASSETS_PER_CUSTOMER = 5
MONITORS_PER_ASSET = 10


def monitor_yaml(key: str, n: int, changed: bool) -> str:
    """One monitor, in the block style of the example or as a flow mapping; CHANGED: another interval and body."""
    kind, interval = n % 10, "2m" if changed else "60s"
    if kind < 6:
        return (f"          - id: {key}\n            type: http\n            url: https://{key}.example/health\n"
                f"            interval: {interval}\n"
                f"            expect: {{status: 200, body_contains: {'Ready' if changed else 'OK'}}}\n")
    if kind < 9:
        host = f"192.0.2.{n % 250 + 1}"
        return f"          - {{id: {key}, type: tcp, host: {host}, port: {22 + kind}, interval: {interval}}}\n"
    return f"          - id: {key}\n            type: push\n            interval: {interval}\n            grace: 2m\n"


def config_yaml(monitors: int, changed_every: int = 0) -> str:
    """A file of MONITORS monitors; with CHANGED_EVERY, every so many monitors is changed (interval and spec)."""
    customers = max(1, monitors // (ASSETS_PER_CUSTOMER * MONITORS_PER_ASSET))
    out = ["plans:\n  basic:\n    support_hours: \"24/7\"\n    includes: [monitoring]\n",
           "infrastructure:\n  - id: core-router\n    kind: network\n    name: Core router\n", "customers:\n"]
    n = 0
    for c in range(customers):
        out.append(f"  - id: customer-{c}\n    name: Customer {c} S.r.l.\n    plan: basic\n    language: it\n"
                   f"    contacts:\n      - {{name: Ufficio {c}, email: office{c}@customer.example, notify: [email]}}\n"
                   "    assets:\n")
        for a in range(ASSETS_PER_CUSTOMER):
            key = f"c{c}-a{a}"
            out.append(f"      - id: {key}\n        kind: server\n        name: server {a} of customer {c}\n"
                       "        depends_on: [core-router]\n        monitors:\n")
            for m in range(MONITORS_PER_ASSET):
                out.append(monitor_yaml(f"{key}-m{m}", n, bool(changed_every) and n % changed_every == 0))
                n += 1
    return "".join(out)


def timed(what, *args, **kwargs):
    """WHAT's result, and the wall-clock and CPU seconds of this process it took."""
    started, cpu = time.perf_counter(), time.process_time()
    result = what(*args, **kwargs)
    return result, time.perf_counter() - started, time.process_time() - cpu


def read_alone(text: str, tenth: str) -> dict:
    """Seconds to parse TEXT and to validate it, and how much faster libyaml parses TENTH than pure Python."""
    import gc

    import yaml

    from custode.config.schema import validate
    from custode.config.source import load

    gc.disable()  # as apply does: the collector would rescan the growing document again and again
    try:
        source, load_s, _ = timed(load, text, "custode.yaml")
        _, validate_s, _ = timed(validate, source)
        _, c_s, _ = timed(load, tenth, "tenth.yaml")
        _, pure_s, _ = timed(load, tenth, "tenth.yaml", loader_class=yaml.SafeLoader)
    finally:
        gc.enable()
    return {"load": load_s, "validate": validate_s, "ratio": pure_s / c_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100_000)
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        import yaml

        from custode.config.apply import apply_file
        from custode.monitors.models import Monitor

        same, changed = Path(data_dir) / "custode.yaml", Path(data_dir) / "changed.yaml"
        same.write_text(config_yaml(args.monitors))
        changed.write_text(config_yaml(args.monitors, changed_every=100))
        total = Monitor.objects.count() + args.monitors
        print(f"{args.monitors} monitors, {same.stat().st_size / 1e6:.1f} MB of YAML, on {database}; "
              f"libyaml: {yaml.__with_libyaml__}")
        reading = read_alone(same.read_text(), config_yaml(max(50, args.monitors // 10)))
        print(f"  reading alone: YAML {reading['load']:.1f} s, schema {reading['validate']:.1f} s; libyaml "
              f"{reading['ratio']:.1f}x as fast as PyYAML's pure-Python parser (on a tenth of the file)")
        failed = False
        runs = [("first apply, empty database", same), ("again, nothing changed", same), ("1 % changed", changed)]
        for what, path in runs:
            report, seconds, cpu = timed(apply_file, path)
            counts = ", ".join(f"{report.count(a)} {a}" for a in ("created", "updated", "unchanged"))
            print(f"  {what}: {seconds:.1f} s ({cpu:.1f} s CPU here), {args.monitors / seconds:,.0f} monitors/s "
                  f"({counts})")
            goal = GOAL_SECONDS_PER_100K * args.monitors / 100_000
            print(f"    {seconds / goal:.2f}x the goal ({goal:.0f} s for {args.monitors} monitors)")
            expected_updates = {"again, nothing changed": 0, "1 % changed": -(-args.monitors // 100)}.get(what)
            if expected_updates is not None and report.count("updated") != expected_updates:
                print(f"FAILED: {report.count('updated')} updated, expected {expected_updates}", file=sys.stderr)
                failed = True
        rewritten = Monitor.objects.filter(interval=120, spec__expect__body_contains="Ready").count()
        if rewritten != -(-args.monitors // 100):
            print(f"FAILED: {rewritten} monitors hold the changed interval and body", file=sys.stderr)
            failed = True
        if Monitor.objects.count() != total:
            print(f"FAILED: {Monitor.objects.count()} monitors in the database, expected {total}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
