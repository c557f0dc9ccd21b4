"""A customer's private page shows that customer's world and nothing of anyone else's."""

import json
import xml.etree.ElementTree as ET

import pytest

from custode.directory.services import customer_rotate_status_token

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _bodies(client, token):
    return {fmt: client.get(url).content.decode() for fmt, url in (
        ("html", f"/status/c/{token}/"), ("json", f"/status/c/{token}.json"), ("atom", f"/status/c/{token}/feed.atom"))}


def test_a_customer_sees_their_assets_and_the_provider_components_they_need(client, world):
    html = client.get(f"/status/c/{world.bianchi.status_token}/").content.decode()
    assert "Stato dei servizi di Studio Bianchi" in html
    assert "www.studiobianchi.example" in html and "srv-1.retesicura.example" in html
    assert "Backup store interno" in html  # the server needs it, so Bianchi does too
    assert "Core router" not in html  # public, but nothing of Bianchi's needs it
    assert "srv-1.retesicura.example non raggiungibile" in html and "Anna" in html
    assert "Per parlare con Rete Sicura" in html and "+39 0521 000000" in html


@pytest.mark.parametrize("fmt", ["html", "json", "atom"])
def test_customer_a_never_sees_customer_bs_assets_names_or_incidents(client, world, fmt):
    body = _bodies(client, world.bianchi.status_token)[fmt]
    for secret in ("Hotel Mirador", "www.mirador.example", "mirador-site", "NAS Mirador", "mirador-nas",
                   "Disco del NAS", f"incident-{world.own_b.pk}\"", world.mirador.status_token):
        assert secret not in body, (fmt, secret)
    mirador = _bodies(client, world.mirador.status_token)[fmt]
    assert "NAS Mirador recepción" in mirador and "Studio Bianchi" not in mirador
    assert "www.studiobianchi.example" not in mirador and "bianchi-site" not in mirador


def test_the_shared_incident_shows_each_customer_only_their_own_affected_sites(client, world):
    doc = json.loads(client.get(f"/status/c/{world.mirador.status_token}.json").content)
    shared = next(i for i in doc["incidents"] if i["id"] == world.shared.pk)
    assert shared["components"] == ["srv-1", "mirador-site"]  # by name
    assert {i["id"] for i in doc["incidents"]} == {world.shared.pk, world.own_b.pk}


def test_an_incident_rooted_in_another_customers_asset_does_not_name_it(client, world):
    from custode.status.tests.conftest import NOW

    world.site_a.depends_on.add(world.nas_b)  # odd, but possible: Bianchi's site needs Mirador's NAS
    world.own_b.assets.add(world.site_a)
    world.own_b.affected.create(customer=world.bianchi, started_at=NOW)
    html = client.get(f"/status/c/{world.bianchi.status_token}/?lang=en").content.decode()
    assert "Service disruption" in html and "NAS Mirador" not in html and "Disco del NAS" in html


def test_a_rotated_token_gives_a_new_link_and_the_old_one_is_gone(client, world):
    old = world.bianchi.status_token
    assert client.get(f"/status/c/{old}/").status_code == 200
    new = customer_rotate_status_token(customer=world.bianchi)
    assert new != old and len(new) >= 32
    for url in (f"/status/c/{old}/", f"/status/c/{old}.json", f"/status/c/{old}/feed.atom"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/status/c/{new}/").status_code == 200


def test_the_private_feed_has_one_entry_per_incident_of_the_customer(client, world):
    root = ET.fromstring(client.get(f"/status/c/{world.mirador.status_token}/feed.atom?lang=en").content)
    entries = root.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text.rsplit("#", 1)[1] for e in entries]
    assert ids == [f"incident-{world.shared.pk}", f"incident-{world.own_b.pk}"]


def test_the_admin_action_rotates_the_chosen_customers_links(client, world):
    from custode.testing import factories

    client.force_login(factories.staff("root", superuser=True))
    old_a, old_b = world.bianchi.status_token, world.mirador.status_token
    response = client.post("/admin/directory/customer/", {"action": "rotate_status_link",
                                                         "_selected_action": [world.bianchi.pk]})
    assert response.status_code == 302
    world.bianchi.refresh_from_db()
    world.mirador.refresh_from_db()
    assert world.bianchi.status_token != old_a and world.mirador.status_token == old_b
    assert client.get(f"/status/c/{old_a}/").status_code == 404


def test_an_incident_whose_cause_was_deleted_does_not_name_it(client, world):
    from custode.status.tests.conftest import NOW

    world.site_a.depends_on.add(world.nas_b)
    world.own_b.assets.add(world.site_a)
    world.own_b.affected.create(customer=world.bianchi, started_at=NOW)
    world.nas_b.delete()  # the incident keeps its title, "NAS Mirador recepción unreachable"
    for fmt, body in _bodies(client, world.bianchi.status_token).items():
        assert "NAS Mirador" not in body and "Disservizio" in body, fmt


@pytest.mark.parametrize("fmt", ["html", "json", "atom"])
def test_a_customer_reads_stock_titles_never_what_staff_typed(client, world, fmt):
    world.shared.title = "srv-1 giù: Bianchi e www.mirador.example offline, RAID da rifare"
    world.shared.save()
    body = _bodies(client, world.bianchi.status_token)[fmt]
    assert "srv-1.retesicura.example non raggiungibile" in body
    assert "giù" not in body and "mirador" not in body.lower() and "RAID" not in body


@pytest.mark.parametrize("fmt", ["html", "json", "atom"])
def test_the_second_page_of_past_incidents_shows_nothing_of_another_customer(client, world, fmt):
    import datetime as dt

    from custode.status.tests.conftest import NOW, incident

    for n in range(11):
        opened = NOW - dt.timedelta(days=10 + n)
        incident(world.server, world.site_a, world.site_b, customers=[world.bianchi, world.mirador],
                 opened_at=opened, resolved_at=opened + dt.timedelta(hours=1), status="resolved")
    incident(world.nas_b, world.site_a, customers=[world.bianchi, world.mirador], status="resolved",
             opened_at=NOW - dt.timedelta(days=30), resolved_at=NOW - dt.timedelta(days=30, hours=-1))
    token = world.bianchi.status_token
    second = {f: client.get(u).content.decode() for f, u in (
        ("html", f"/status/c/{token}/?page=2"), ("json", f"/status/c/{token}.json?page=2"),
        ("atom", f"/status/c/{token}/feed.atom?page=2"))}[fmt]
    assert "Pagina 2 di 2" in second if fmt == "html" else True
    assert "srv-1.retesicura.example" in second and "www.studiobianchi.example" in second
    if fmt != "json":  # the summary lists active incidents only
        assert "Disservizio" in second
    for secret in ("Hotel Mirador", "www.mirador.example", "mirador-site", "NAS Mirador", "mirador-nas"):
        assert secret not in second, secret
