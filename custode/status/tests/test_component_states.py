"""Every reader of a component's state (the page, its groups, the overall state, the JSON, the badge) reads
the same truth: a component in an incident is never operational, one without data says so, and a failed job
does not take its asset down."""

import datetime as dt
import json
import re

import pytest

from custode.status.tests.conftest import NOW
from custode.testing import factories

pytestmark = pytest.mark.django_db

_COMPONENT = re.compile(r'id="component-(?P<key>[^"]+)">\s*<div class="component-head">\s*'
                        r'<span class="component-name">[^<]*</span>\s*<span class="state state-[^"]*">(?P<word>[^<]*)<')
_GROUP = re.compile(r'<span class="group-name">(?P<name>[^<]*)</span> <span class="state state-[^"]*">(?P<word>[^<]*)<')


def shown(html: str) -> tuple[dict[str, str], dict[str, str]]:
    """({component key: its state word}, {group name: its heading word}) as the page shows them."""
    return ({m["key"]: m["word"] for m in _COMPONENT.finditer(html)},
            {m["name"]: m["word"] for m in _GROUP.finditer(html)})


def _overall(html: str) -> str:
    return re.search(r'<p class="overall overall-(\w+)"', html).group(1)


@pytest.mark.parametrize(("own", "expected", "word"), [
    ("down", "down", "No disponible"),  # their own checks fail too (impact outage)
    ("up", "degraded", "Degradado"),  # joined through the host they need; their own checks still answer
    ("unknown", "degraded", "Degradado"),  # not checked again yet
])
def test_a_component_in_an_active_incident_is_never_shown_operational(client, acme, own, expected, word):
    customer, monitors = acme
    for monitor in monitors:
        monitor.state = own
        monitor.save()
    html = client.get(f"/status/c/{customer.status_token}/").content.decode()
    components, groups = shown(html)
    assert "db-host.retesicura.example no accesible" in html  # the incident is shown
    assert components["acme-site"] == word and components["acme-db"] == word
    assert components["db-host"] == "No disponible"
    for group in ("Sitio web", "Base de datos", "Nuestra infraestructura"):
        assert groups[group] == "Con incidencias"
    assert "Operativo" not in html.split('id="components-heading"')[1].split('id="past-heading"')[0]
    assert _overall(html) == "major_outage"  # critical, with a component down: and the components agree

    doc = json.loads(client.get(f"/status/c/{customer.status_token}.json").content)
    states = {c["key"]: c["state"] for c in doc["components"]}
    assert states == {"acme-site": expected, "acme-db": expected, "db-host": "down"}
    assert doc["state"] == "major_outage"


def test_an_incident_not_yet_told_to_customers_leaves_the_component_to_its_monitors(client, acme):
    from custode.incidents.models import Incident

    customer, _ = acme
    Incident.objects.update(confirmed_at=None)  # held: the reader has not been told of it
    doc = json.loads(client.get(f"/status/c/{customer.status_token}.json").content)
    assert {c["key"]: c["state"] for c in doc["components"]} == {"acme-site": "up", "acme-db": "up",
                                                                 "db-host": "down"}


def test_a_component_without_data_says_no_data_and_so_does_its_group(client, db):
    factories.provider()
    customer = factories.customer("acme", name="Acme", language="es")
    factories.asset("acme-site", customer=customer, name="www.acme.example")  # no monitors at all
    nas = factories.asset("acme-nas", customer=customer, kind="nas", name="NAS Acme")
    factories.monitor("acme-nas-ping", asset=nas, type="ping", state="error")  # Custode cannot run it
    factories.monitor("acme-nas-paused", asset=nas, type="ping", state="up", paused=True)
    html = client.get(f"/status/c/{customer.status_token}/").content.decode()
    components, groups = shown(html)
    assert components == {"acme-site": "Sin datos", "acme-nas": "Sin datos"}
    assert groups == {"Sitio web": "Sin datos", "NAS": "Sin datos"}
    assert _overall(html) == "unknown" and "Todos los servicios funcionan" not in html

    doc = json.loads(client.get(f"/status/c/{customer.status_token}.json?lang=en").content)
    assert [c["state"] for c in doc["components"]] == ["unknown", "unknown"] and doc["state"] == "unknown"
    english = client.get(f"/status/c/{customer.status_token}/?lang=en").content.decode()
    assert shown(english)[0]["acme-site"] == "No data" and shown(english)[1]["Website"] == "No data"


def test_a_group_with_a_component_without_data_is_not_headed_operational(client, db):
    factories.provider()
    customer = factories.customer("acme", name="Acme", language="it")
    factories.asset("acme-site", customer=customer, name="www.acme.example")
    factories.monitor("acme-shop-http", asset=factories.asset("acme-shop", customer=customer, name="shop.acme.example"),
                      state="up")
    html = client.get(f"/status/c/{customer.status_token}/").content.decode()
    components, groups = shown(html)
    assert components == {"acme-shop": "Operativo", "acme-site": "Nessun dato"}
    assert groups == {"Sito web": "Alcuni senza dati"}
    assert '<details class="group" open>' in html  # the component without data is not folded away


def test_a_failed_job_does_not_make_the_server_or_the_page_down(client, db):
    factories.provider()
    server = factories.asset("srv-9", kind="server", name="srv-9.retesicura.example", public=True)
    factories.monitor("srv-9-ping", asset=server, type="ping", state="up")
    factories.monitor("srv-9-backup", asset=server, type="push", impact="job", state="down", state_since=NOW)
    doc = json.loads(client.get("/status/stato.json?lang=en").content)
    assert [(c["key"], c["state"]) for c in doc["components"]] == [("srv-9", "up")]
    assert doc["state"] == "operational"
    html = client.get("/status/stato/?lang=es").content.decode()
    assert shown(html) == ({"srv-9": "Operativo"}, {"Servidor": "Operativo"})
    assert _overall(html) == "operational"
    assert "Operational" in client.get("/status/stato/badge/srv-9.svg?lang=en").content.decode()


def test_a_degraded_check_failing_makes_the_component_degraded_not_down(client, db):
    factories.provider()
    server = factories.asset("srv-9", kind="server", name="srv-9.retesicura.example", public=True)
    factories.monitor("srv-9-ping", asset=server, type="ping", state="up")
    factories.monitor("srv-9-slow", asset=server, impact="degraded", state="down", state_since=NOW)
    doc = json.loads(client.get("/status/stato.json?lang=en").content)
    assert [c["state"] for c in doc["components"]] == ["degraded"] and doc["state"] == "degraded"
    assert "Degraded" in client.get("/status/stato/badge/srv-9.svg?lang=en").content.decode()


def test_a_failed_job_incident_is_shown_only_to_the_customer_it_was_told_to(client, db):
    from custode.status.tests.conftest import incident

    factories.provider()
    server = factories.asset("srv-9", kind="server", name="srv-9.retesicura.example", public=True)
    factories.monitor("srv-9-ping", asset=server, type="ping", state="up")
    told, untold = factories.customer("told", language="en"), factories.customer("untold", language="en")
    for customer in (told, untold):
        site = factories.asset(f"{customer.key}-site", customer=customer, name=f"www.{customer.key}.example")
        site.depends_on.add(server)
        factories.monitor(f"{customer.key}-http", asset=site, state="up")
    incident(server, title="srv-9.retesicura.example: srv-9-backup failed", impact="job",
             opened_at=NOW - dt.timedelta(minutes=5), severity="minor")
    incident(told.assets.get(), title="www.told.example: told-export failed", impact="job", customers=[told],
             opened_at=NOW - dt.timedelta(minutes=5), severity="minor")

    public = json.loads(client.get("/status/stato.json?lang=en").content)
    assert public["incidents"] == [] and public["state"] == "operational"
    assert json.loads(client.get(f"/status/c/{untold.status_token}.json").content)["incidents"] == []
    mine = json.loads(client.get(f"/status/c/{told.status_token}.json").content)
    assert [i["components"] for i in mine["incidents"]] == [["told-site"]]
