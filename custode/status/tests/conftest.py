"""The world of the status page tests: the provider's shared server, router and a private NAS; two
customers whose sites need the server; customer B's own NAS with an incident A must never see.

Incidents are rows written the way the incident processor writes them (confirmed, with their assets,
affected customers and a timeline of public and internal updates).
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import translation

from custode.incidents.models import AffectedCustomer, Incident, Update
from custode.results.models import Rollup
from custode.testing import factories

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# the resolved router incident: an hour from noon, provider's time, three days back; an offset from NOW would
# cross into the day after when the tests run in the last hour of a Roman day
PAST = dt.datetime.combine(NOW.astimezone(ZoneInfo("Europe/Rome")).date() - dt.timedelta(days=3), dt.time(12),
                           tzinfo=ZoneInfo("Europe/Rome"))


def incident(root, *assets, customers=(), opened_at, resolved_at=None, status="investigating", **fields):
    fields.setdefault("title", f"{root.name} unreachable")
    found = Incident.objects.create(root_asset=root, opened_at=opened_at, confirmed_at=opened_at,
                                    resolved_at=resolved_at, status=status, **fields)
    found.assets.set([root, *assets])
    for customer in customers:
        AffectedCustomer.objects.create(incident=found, customer=customer, started_at=opened_at,
                                        resolved_at=resolved_at)
    return found


def update(incident, *, at, author=None, public=True, status="investigating", message="", template=""):
    return Update.objects.create(incident=incident, at=at, status=status, public=public, author=author,
                                 author_name=author.name if author else "", message=message, template=template,
                                 language="it")


def rollups(monitor, *, start, hours, up_ratio=1.0, per_hour=60):
    Rollup.objects.bulk_create(
        Rollup(monitor=monitor, hour=start + dt.timedelta(hours=h), count=per_hour,
               up_count=round(per_hour * up_ratio)) for h in range(hours)
    )


@pytest.fixture(autouse=True)
def _fresh_cache_and_language():
    from custode.status import caching

    cache.clear()
    caching.forget()
    yield
    translation.deactivate()


@pytest.fixture
def world(db, settings):
    provider = factories.provider(contact_url="https://retesicura.example/contatti",
                                  status_title="Rete Sicura — stato dei servizi")
    anna = factories.staff("anna", phone="+39 333 1234567").staff
    server = factories.asset("srv-1", kind="server", name="srv-1.retesicura.example", public=True)
    router = factories.asset("core-router", kind="network", name="Core router", public=True)
    backup = factories.asset("backup-store", kind="nas", name="Backup store interno")
    bianchi = factories.customer("studio-bianchi", name="Studio Bianchi", language="it")
    mirador = factories.customer("hotel-mirador", name="Hotel Mirador", language="es")
    site_a = factories.asset("bianchi-site", customer=bianchi, name="www.studiobianchi.example")
    site_b = factories.asset("mirador-site", customer=mirador, name="www.mirador.example")
    nas_b = factories.asset("mirador-nas", customer=mirador, kind="nas", name="NAS Mirador recepción")
    for site in (site_a, site_b):
        site.depends_on.add(server)
    server.depends_on.add(backup)
    monitors = SimpleNamespace(
        server=factories.monitor("srv-1-ping", asset=server, type="ping", state="down", state_since=NOW),
        router=factories.monitor("router-ping", asset=router, type="ping", state="up"),
        site_a=factories.monitor("bianchi-http", asset=site_a, state="down", state_since=NOW),
        site_b=factories.monitor("mirador-http", asset=site_b, state="down", state_since=NOW),
        nas_b=factories.monitor("mirador-nas-ping", asset=nas_b, type="ping", state="down"),
    )
    shared = incident(server, site_a, site_b, customers=[bianchi, mirador], opened_at=NOW - dt.timedelta(minutes=20))
    update(shared, at=NOW - dt.timedelta(minutes=15), author=anna, status="identified", template="identified")
    update(shared, at=NOW - dt.timedelta(minutes=10), author=anna, status="identified", public=False,
           message="RAID degradato sul controller 2, nota interna")
    own_b = incident(nas_b, customers=[mirador], opened_at=NOW - dt.timedelta(minutes=30))
    update(own_b, at=NOW - dt.timedelta(minutes=25), author=anna, message="Disco del NAS in sostituzione")
    past = incident(router, opened_at=PAST, resolved_at=PAST + dt.timedelta(hours=1), status="resolved",
                    title="Router in panne")
    update(past, at=PAST + dt.timedelta(hours=1), author=anna, status="resolved", template="resolved")
    window = factories.maintenance(router, start=NOW + dt.timedelta(days=1), duration=7200)
    return SimpleNamespace(provider=provider, anna=anna, server=server, router=router, backup=backup,
                           bianchi=bianchi, mirador=mirador, site_a=site_a, site_b=site_b, nas_b=nas_b,
                           monitors=monitors, shared=shared, own_b=own_b, past=past, window=window)


@pytest.fixture
def acme(db):
    """A Spanish-speaking customer whose site needs their database, which runs on the provider's shared
    database host; the host is down and its critical incident covers Acme's site and database, which joined it
    through the host while their own checks (the MONITORS returned) still answer."""
    factories.provider()
    customer = factories.customer("acme", name="Acme", language="es")
    host = factories.asset("db-host", kind="server", name="db-host.retesicura.example")
    database = factories.asset("acme-db", customer=customer, kind="database", name="Base de datos Acme")
    site = factories.asset("acme-site", customer=customer, name="www.acme.example")
    site.depends_on.add(database)
    database.depends_on.add(host)
    factories.monitor("db-host-ping", asset=host, type="ping", state="down", state_since=NOW)
    monitors = [factories.monitor("acme-http", asset=site, state="up"),
                factories.monitor("acme-db-tcp", asset=database, type="tcp", spec={"host": "db", "port": 5432},
                                  state="up")]
    incident(host, site, database, customers=[customer], opened_at=NOW - dt.timedelta(minutes=10),
             severity="critical")
    return customer, monitors
