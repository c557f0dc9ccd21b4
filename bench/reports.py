#!/usr/bin/env python3
"""bench/reports: the monthly reports of many customers, made one after another as the notifier makes them on the 1st.

Generates a month of history for N customers (default 500: each with two websites checked every minute, a
maintenance window, two incidents, five tickets with time logged, and every other one a nightly backup job; the
same generator the report tests use) and makes each customer's report with ``report_make`` (gather the figures,
render HTML, WeasyPrint's PDF, archive it), timing each. The reference, in the same run and under the same load:
WeasyPrint alone turning the same customer's already rendered HTML into PDF, every REFERENCE_EVERY customers, so
the ratio says what Custode adds to the library's own cost. Memory: this process's RSS after the first
customers (WeasyPrint's caches warm) and at the end; it must not grow with the number of reports.

Prints per-report seconds (p50, p99, max), the reference's, their ratio, the RSS, and whether the goals are met:
under 1 s a report, memory growth under 50 MB from the 10 % mark to the end.

Usage: bench/reports.py [--customers 500] [--postgres URL] [--postgres-name NAME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time

from common import add_arguments, configured, rss_bytes, setup_django

GOAL_SECONDS = 1.0
GOAL_GROWTH = 50 * 2**20
REFERENCE_EVERY = 10
MONTH = "2026-10"


def world(customers: int) -> list:
    from custode.reports.months import month_of
    from custode.reports.tests.history import month_of_history
    from custode.incidents.wording import zone
    from custode.testing import factories

    factories.provider(timezone="Europe/Rome", name="Rete Sicura", contact_email="assistenza@retesicura.example")
    plan = factories.plan(uptime_target=99.9, monthly_hours=10, name={"it": "Oro", "en": "Gold", "es": "Oro"})
    month = month_of(dt.date(2026, 10, 1), zone("Europe/Rome"))
    made = []
    for n in range(customers):
        customer = factories.customer(f"customer-{n:04d}", name=f"Customer {n}", language=("it", "en", "es")[n % 3],
                                      plan=plan)
        month_of_history(customer, month, seed=n, backups=n % 2 == 0)
        made.append(customer)
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(customers: list) -> dict:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from custode.reports.services import report_gather, report_make
    from custode.reports import render

    times, reference, rss = [], [], {}
    fonts = FontConfiguration()  # the reference's own, as the reports share theirs: neither grows the process
    for n, customer in enumerate(customers):
        start = time.perf_counter()
        report_make(customer=customer, month=MONTH)
        times.append(time.perf_counter() - start)
        if n % REFERENCE_EVERY == 0:
            html = render.html(report_gather(customer=customer, month=MONTH))
            start = time.perf_counter()
            HTML(string=html).write_pdf(font_config=fonts)
            reference.append(time.perf_counter() - start)
        if n + 1 == max(1, len(customers) // 10):
            rss["warm"] = rss_bytes(os.getpid())
    rss["end"] = rss_bytes(os.getpid())
    return {"times": times, "reference": reference, "rss": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=500)
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        import logging

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        start = time.perf_counter()
        customers = world(args.customers)
        print(f"{database}: a month of history for {len(customers)} customers in {time.perf_counter() - start:.1f} s")
        found = measure(customers)
        return report(found)


def report(found: dict) -> int:
    times, reference, rss = found["times"], found["reference"], found["rss"]
    p50, ref50 = statistics.median(times), statistics.median(reference)
    growth = rss["end"] - rss["warm"]
    print(f"reports: {len(times)} in {sum(times):.1f} s; a report p50 {p50:.3f} s, p99 {percentile(times, 0.99):.3f} s, "
          f"max {max(times):.3f} s")
    print(f"reference (WeasyPrint alone on the same HTML, {len(reference)} samples): p50 {ref50:.3f} s; "
          f"report / reference {p50 / ref50:.2f}x")
    print(f"memory: RSS {rss['warm'] / 2**20:.0f} MB after 10 %, {rss['end'] / 2**20:.0f} MB at the end "
          f"({growth / 2**20:+.1f} MB)")
    met_time, met_memory = percentile(times, 0.99) < GOAL_SECONDS, growth < GOAL_GROWTH
    print(f"goal < {GOAL_SECONDS:.0f} s a report (p99): {'met' if met_time else 'NOT met'}; "
          f"memory growth < {GOAL_GROWTH // 2**20} MB: {'met' if met_memory else 'NOT met'}")
    return 0 if met_time and met_memory else 1


if __name__ == "__main__":
    sys.exit(main())
