"""A token limited to one customer sees that customer's objects only, and of a shared incident only its own part;
it changes nothing but may open that customer's tickets. Another customer's object is 404, anything else 403."""

from __future__ import annotations

import httpx
import pytest

from custode.accounts.services import token_create
from custode.incidents import services as incidents
from custode.lib.changes import NotFound
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tech):
    factories.provider()
    acme, other = factories.customer("acme", name="Acme"), factories.customer("other", name="Other Srl")
    server = factories.asset("vps-01", kind="server", name="vps-01")
    sites = {}
    for customer in (acme, other):
        factories.contact(customer, name=f"Contact of {customer.key}")
        sites[customer.key] = factories.asset(f"{customer.key}-site", customer=customer, name=f"{customer.key}.example")
        sites[customer.key].depends_on.add(server)
        factories.monitor(f"{customer.key}-http", asset=sites[customer.key])
    return sites


def client(live_server, tech, *, write=False) -> httpx.Client:
    _, secret = token_create(username=tech.username, can_write=write, customer="acme")
    return httpx.Client(base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"})


def test_it_lists_and_reads_its_customers_objects_only(live_server, tech, world):
    with client(live_server, tech) as api:
        assert [c["id"] for c in api.get("/customers").json()["items"]] == ["acme"]
        assert [m["id"] for m in api.get("/monitors").json()["items"]] == ["acme-http"]
        assert [a["id"] for a in api.get("/assets").json()["items"]] == ["acme-site"]
        assert [c["customer"] for c in api.get("/contacts").json()["items"]] == ["acme"]
        assert api.get("/customers/other").status_code == 404
        assert api.get("/monitors/other-http").status_code == 404
        assert api.get("/monitors", params={"customer": "other"}).json()["items"] == []


@pytest.mark.parametrize("path", ["/plans", "/maintenance", "/subscribers"])
def test_what_is_not_a_customers_is_403_naming_the_limit(live_server, tech, world, path):
    with client(live_server, tech) as api:
        answer = api.get(path)
    assert answer.status_code == 403 and "limited to customer 'acme'" in answer.json()["detail"]


def test_even_a_writing_token_changes_nothing_but_may_open_its_customers_tickets(live_server, tech, world):
    with client(live_server, tech, write=True) as api:
        assert api.post("/customers", json={"id": "new", "name": "New"}).status_code == 403
        assert api.patch("/monitors/acme-http", json={"interval": "5m"}).status_code == 403
        assert api.post("/customers/acme/status-link").status_code == 403
        assert api.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x"}).status_code == 201
        assert api.post("/tickets", json={"customer": "other", "subject": "S", "body": "x"}).status_code == 403
        assert [t["customer"] for t in api.get("/tickets").json()["items"]] == ["acme"]
        assert api.get("/customers/other/hours").status_code == 404


def test_of_a_shared_incident_it_sees_its_own_part_and_public_updates_only(live_server, tech, world):
    shared = incidents.incident_open(root_asset=world["acme"].depends_on.get())
    incidents.incident_post_update(incident=shared, author=tech.staff, status="identified", public=False,
                                   message="Disk on vps-01 is failing; Other Srl's DB is worst hit.")
    theirs_only = incidents.incident_open(root_asset=world["other"])
    with client(live_server, tech) as api:
        listed = api.get("/incidents").json()["items"]
        detail = api.get(f"/incidents/{shared.pk}").json()
        assert api.get(f"/incidents/{theirs_only.pk}").status_code == 404
        assert api.get(f"/incidents/{theirs_only.pk}/messages").status_code == 404
        log = api.get("/messages").json()["items"]
    assert [i["id"] for i in listed] == [shared.pk] and listed[0]["customers"] == [{"id": "acme", "name": "Acme"}]
    assert [row["id"] for row in detail["affected"]] == ["acme"]
    assert {a["id"] for a in detail["assets"]} <= {"acme-site", "vps-01"}
    assert all(u["public"] for u in detail["updates"]) and "Other Srl" not in str(detail)
    assert log and {m["customer"] for m in log} == {"acme"}


def test_a_token_for_an_unknown_customer_is_not_made(tech, world):
    with pytest.raises(NotFound):
        token_create(username=tech.username, customer="nobody")


def test_the_command_names_an_unknown_customer(tech, world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no customer 'nobody'"):
        call_command("token", "create", tech.username, "--customer", "nobody")


def test_a_token_of_someone_no_longer_a_technician_is_refused(live_server, world):
    from django.contrib.auth import get_user_model

    former = factories.staff("former")
    _, secret = token_create(username="former")
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live_server.url}/api/v1/customers", headers=headers).status_code == 200
    former.staff.delete()
    get_user_model().objects.filter(pk=former.pk).update(is_staff=False)
    assert httpx.get(f"{live_server.url}/api/v1/customers", headers=headers).status_code == 401
