#!/usr/bin/env python3
"""bench/incidents: how fast the notifier's incident step turns a storm of state changes into incidents.

Builds --servers provider servers, each with --sites customer sites depending on it (ten customers a server,
one contact each) and one HTTP monitor per asset, then writes, as the engine does, and applies with the real
incident step (``custode.incidents.processor.consume_changes``, in this process, until nothing is left):
  1. first start: every monitor unknown -> up (nothing to tell: the step must only get through them);
  2. the servers and all their sites down (one incident a server, each customer told once).
Prints changes applied per second and per CPU-second for each, against the reference measured in the same
run: reading the same number of pending changes and marking them applied with one UPDATE (the least any
processor must do), and checks the outcome (incidents, messages) so a fast wrong answer cannot pass.

Usage: bench/incidents.py [--servers 5] [--sites 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time

from common import add_arguments, configured, setup_django

CUSTOMERS_PER_SERVER = 10


def build(servers: int, sites: int) -> list:
    """The world; returns every monitor (servers' and sites')."""
    from custode.assets.models import Asset
    from custode.directory.models import Contact, Customer
    from custode.monitors.models import Monitor
    from custode.testing import factories

    factories.provider()
    factories.staff("anna", on_call=True, phone="+39 333 1234567", notify=["email"])
    monitors = []
    for s in range(servers):
        server = Asset.objects.create(key=f"srv-{s}", kind="server", name=f"srv-{s}.example")
        customers = Customer.objects.bulk_create(
            [Customer(key=f"c{s}-{c}", name=f"Cliente {s}-{c}", language="it") for c in range(CUSTOMERS_PER_SERVER)])
        Contact.objects.bulk_create([Contact(customer=c, name=f"Referente {c.key}", email=f"{c.key}@example.com",
                                             notify=["email"]) for c in customers])
        assets = Asset.objects.bulk_create(
            [Asset(key=f"site-{s}-{i}", kind="website", name=f"site{s}-{i}.example",
                   customer=customers[i % CUSTOMERS_PER_SERVER]) for i in range(sites)])
        Asset.depends_on.through.objects.bulk_create(
            [Asset.depends_on.through(from_asset=a, to_asset=server) for a in assets])
        monitors += Monitor.objects.bulk_create(
            [Monitor(key=f"m-{a.key}", asset=a, type="http", interval=60, retries=1,
                     spec={"url": f"https://{a.name}/"}) for a in [server, *assets]])
    return monitors


def write_changes(monitors: list, state: str, at: dt.datetime, *, move: bool = True) -> None:
    """What the engine's store writes for a batch: every monitor's new state (unless not MOVE) and its change."""
    from custode.monitors.models import Monitor
    from custode.results.models import StateChange

    old = dict(Monitor.objects.values_list("id", "state"))
    if move:
        Monitor.objects.update(state=state, state_since=at)
    StateChange.objects.bulk_create([StateChange(monitor=m, at=at + dt.timedelta(milliseconds=i % 1000),
                                                 from_state=old[m.pk], to_state=state)
                                     for i, m in enumerate(monitors)], batch_size=2000)


def drain() -> tuple[int, float, float]:
    """Run the incident step until nothing is pending: (changes, wall seconds, CPU seconds)."""
    from django.utils import timezone

    from custode.incidents.processor import consume_changes
    from custode.results.models import StateChange

    count = StateChange.objects.filter(processed_at=None).count()
    started, cpu = time.perf_counter(), time.process_time()
    while consume_changes(now=timezone.now()):
        pass
    return count, time.perf_counter() - started, time.process_time() - cpu


def reference(monitors: list, state: str, at: dt.datetime) -> float:
    """Seconds to read the same number of pending changes and mark them applied in one UPDATE."""
    from django.db import transaction
    from django.utils import timezone

    from custode.results.models import StateChange

    write_changes(monitors, state, at, move=False)
    started = time.perf_counter()
    with transaction.atomic():
        ids = list(StateChange.objects.filter(processed_at=None).values_list("id", "monitor_id", "to_state", "at"))
        StateChange.objects.filter(id__in=[row[0] for row in ids]).update(processed_at=timezone.now())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=5)
    parser.add_argument("--sites", type=int, default=2000, help="sites per server")
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        from django.utils import timezone

        from custode.incidents.models import AffectedCustomer, Incident
        from custode.notify.models import Message

        monitors = build(args.servers, args.sites)
        print(f"{args.servers} servers x {args.sites} sites: {len(monitors)} monitors, on {database}")
        t0 = timezone.now() - dt.timedelta(hours=1)
        failed = False
        for what, state, at in (("first start, unknown -> up", "up", t0), ("storm, all down", "down",
                                                                             t0 + dt.timedelta(minutes=5))):
            floor = reference(monitors, state, at - dt.timedelta(seconds=1))
            write_changes(monitors, state, at)
            count, seconds, cpu = drain()
            print(f"  {what}: {count:,} changes in {seconds:.1f} s ({cpu:.1f} CPU-s): {count / seconds:,.0f}/s, "
                  f"{count / max(cpu, 1e-9):,.0f} per CPU-s; reference (read and mark them in one UPDATE) "
                  f"{floor:.2f} s: {floor / seconds:.3f}x")
        incidents = Incident.objects.filter(merged_into=None)
        told = Message.objects.filter(audience="customer", key__contains=":opened:").count()
        expected_customers = args.servers * CUSTOMERS_PER_SERVER
        print(f"  outcome: {incidents.count()} incidents, {AffectedCustomer.objects.count()} affected customers, "
              f"{told} customer e-mails of an opening")
        if incidents.count() != args.servers or told != expected_customers:
            print(f"FAILED: expected {args.servers} incidents and {expected_customers} e-mails", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
