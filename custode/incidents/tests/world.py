"""The world of story 1: a provider server, forty customer sites on it across twelve customers, and an
outsider whose own site does not need the server (and who must never hear of the server's incidents)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from custode.assets.models import Asset
from custode.directory.models import Customer
from custode.monitors.models import Monitor
from custode.testing import factories

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LANGUAGES = ("it", "en", "es")


@dataclass
class World:
    server: Asset
    server_monitor: Monitor
    sites: list[Asset] = field(default_factory=list)
    site_monitors: list[Monitor] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    outsider: Customer | None = None
    outsider_monitor: Monitor | None = None
    on_call: object = None
    staff: list = field(default_factory=list)


def build(*, sites: int = 40, customers: int = 12) -> World:
    factories.provider(update_every=1800)
    tech = factories.staff("anna", on_call=True, phone="+39 333 1234567", notify=["email"])
    other = factories.staff("bruno", notify=["email"])
    server = factories.asset("srv-1", kind="server", name="srv-1.retesicura.example")
    world = World(server, factories.monitor("srv-1-ping", asset=server, interval=60, retries=1),
                  on_call=tech.staff, staff=[tech.staff, other.staff])
    for i in range(customers):
        customer = factories.customer(f"c{i:02}", name=f"Cliente {i:02}", language=LANGUAGES[i % 3])
        factories.contact(customer, name=f"Referente {i:02}")
        world.customers.append(customer)
    for i in range(sites):
        site = factories.asset(f"site-{i:02}", customer=world.customers[i % customers], name=f"site{i:02}.example")
        site.depends_on.add(server)
        world.sites.append(site)
        world.site_monitors.append(factories.monitor(f"site-{i:02}-http", asset=site, interval=60, retries=1))
    world.outsider = factories.customer("outsider", name="Altrove Srl", language="it")
    factories.contact(world.outsider, name="Referente Altrove")
    own = factories.asset("altrove-site", customer=world.outsider, name="altrove.example")
    world.outsider_monitor = factories.monitor("altrove-http", asset=own, interval=60, retries=1)
    return world


def run(now: dt.datetime) -> int:
    """Process until there is no more work at NOW; returns how many steps did something."""
    from custode.incidents.processor import step

    steps = 0
    while step(now=now):
        steps += 1
        assert steps < 100, "the processor never runs out of work"
    return steps
