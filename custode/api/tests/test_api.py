"""API v1 over real HTTP against the running app: auth, CRUD, validation, filters, pagination."""

from __future__ import annotations

import pytest

from custode.config.export import export_yaml
from custode.directory.models import Customer
from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_openapi_document_is_served_without_a_token(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for name in ("customers", "contacts", "assets", "monitors", "maintenance", "plans"):
        assert f"/api/v1/{name}" in paths and f"/api/v1/{name}/{{key}}" in paths


def test_openapi_document_is_built_once_and_served_again(anonymous, monkeypatch):
    from ninja import NinjaAPI

    built = []
    build = NinjaAPI.get_openapi_schema
    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", lambda api, **kw: built.append(1) or build(api, **kw))
    from custode.api.routes import api

    api.__dict__.pop("_schemas", None)
    first, second = anonymous.get("/openapi.json"), anonymous.get("/openapi.json")
    assert first.json() == second.json() and "/api/v1/customers" in second.json()["paths"]
    assert len(built) == 1


def test_request_without_a_token_is_401(anonymous):
    assert anonymous.get("/customers").status_code == 401


def test_request_with_an_unknown_token_is_401(anonymous):
    assert anonymous.get("/customers", headers={"Authorization": "Bearer cus_nope"}).status_code == 401


def test_read_only_token_reads_but_cannot_write(read_client):
    factories.customer("acme", name="Acme")
    assert read_client.get("/customers").json()["count"] == 1
    response = read_client.post("/customers", json={"id": "other", "name": "Other"})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert read_client.delete("/customers/acme").status_code == 403
    assert Customer.objects.filter(key="acme").exists()


def test_created_customer_shows_up_in_export(write_client):
    factories.plan("basic")
    response = write_client.post("/customers", json={"id": "acme", "name": "Acme S.p.A.", "plan": "basic", "language": "it"})
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "acme", "name": "Acme S.p.A.", "plan": "basic", "language": "it",
                               "status_url": response.json()["status_url"]}
    assert "- id: acme\n  name: Acme S.p.A.\n  plan: basic\n  language: it" in export_yaml()


def test_validation_errors_are_422_with_field_paths(write_client):
    response = write_client.post("/customers", json={"id": "Bad Id!", "name": "", "language": "fr"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {("body", "id"), ("body", "name"), ("body", "language")} <= locs


def test_unknown_plan_is_422_naming_the_field(write_client):
    response = write_client.post("/customers", json={"id": "acme", "name": "Acme", "plan": "gold"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "plan"]
    assert "unknown plan 'gold'" in response.json()["detail"][0]["msg"]
    assert not Customer.objects.exists()


def test_creating_an_existing_id_is_409(write_client):
    factories.customer("acme")
    assert write_client.post("/customers", json={"id": "acme", "name": "Again"}).status_code == 409


def test_missing_object_is_404(write_client):
    assert write_client.get("/customers/nobody").status_code == 404
    assert write_client.delete("/monitors/nothing").status_code == 404


def test_patch_changes_only_the_given_fields(write_client):
    factories.customer("acme", name="Acme", language="en")
    response = write_client.patch("/customers/acme", json={"language": "es"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Acme" and response.json()["language"] == "es"


def test_patch_with_a_bad_value_is_422_and_changes_nothing(write_client):
    factories.customer("acme", language="en")
    response = write_client.patch("/customers/acme", json={"language": "fr"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "language"]
    assert Customer.objects.get(key="acme").language == "en"


def test_put_cannot_change_the_id(write_client):
    factories.customer("acme")
    response = write_client.put("/customers/acme", json={"id": "renamed", "name": "Acme"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "id"]


def test_monitor_crud_with_typed_spec_and_current_state(write_client):
    customer = factories.customer("acme")
    factories.asset("acme-web", customer=customer)
    body = {"id": "acme-home", "type": "http", "asset": "acme-web", "url": "https://acme.example/", "interval": "30s",
            "expect": {"status": 200, "body_contains": "Acme"}}
    response = write_client.post("/monitors", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["state"] == "unknown" and created["customer"] == "acme" and created["interval"] == "30s"
    listed = write_client.get("/monitors", params={"customer": "acme"}).json()
    assert [m["id"] for m in listed["items"]] == ["acme-home"]
    assert write_client.delete("/monitors/acme-home").status_code == 204
    assert not Monitor.objects.exists()


def test_monitor_with_bad_spec_is_422_with_the_field_path(write_client):
    factories.asset("acme-web")
    response = write_client.post("/monitors", json={"id": "m", "type": "http", "asset": "acme-web", "url": "acme.example",
                                                    "interval": 60})
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["detail"]]
    assert sorted(locs) == [["body", "interval"], ["body", "url"]]
    messages = {e["loc"][-1]: e["msg"] for e in response.json()["detail"]}
    assert messages["interval"] == "must be a duration like 30s, 5m, 2h"  # the same words as `custode apply`


def test_monitor_on_an_unknown_asset_is_422_naming_the_asset(write_client):
    response = write_client.post("/monitors", json={"id": "m", "type": "ping", "asset": "nowhere", "host": "192.0.2.1"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["body", "asset"], "msg": "unknown asset 'nowhere'", "type": "invalid"}]
    assert not Monitor.objects.exists()


def test_asset_dependency_cycle_is_422(write_client):
    factories.asset("a")
    write_client.post("/assets", json={"id": "b", "kind": "server", "name": "B", "depends_on": ["a"]})
    response = write_client.patch("/assets/a", json={"depends_on": ["b"]})
    assert response.status_code == 422
    assert "dependency cycle" in response.json()["detail"][0]["msg"]


def test_lists_filter_and_paginate(write_client):
    for n in range(5):
        factories.customer(f"c{n}", name=f"Customer {n}", language="es" if n % 2 else "it")
    page = write_client.get("/customers", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5 and [c["id"] for c in page["items"]] == ["c1", "c2"]
    spanish = write_client.get("/customers", params={"language": "es"}).json()
    assert [c["id"] for c in spanish["items"]] == ["c1", "c3"]
    assert write_client.get("/customers", params={"limit": 0}).status_code == 422


def test_a_plans_uptime_promise_is_read_and_written_like_in_the_config(write_client):
    created = write_client.post("/plans", json={"id": "gold", "uptime": "99.95%"})
    assert created.status_code == 201, created.text
    assert write_client.get("/plans/gold").json()["uptime"] == 99.95
    assert "uptime: 99.95" in export_yaml()
    refused = write_client.post("/plans", json={"id": "silver", "uptime": 101})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "uptime"]
    assert "at most 100" in refused.json()["detail"][0]["msg"]


def test_contacts_plans_and_maintenance_round_trip(write_client):
    write_client.post("/plans", json={"id": "basic", "support_hours": "mon-fri 09:00-18:00", "holidays": "IT",
                                      "first_response": {"default": "8h"}})
    assert write_client.get("/plans/basic").json()["first_response"] == {"default": "8h"}
    factories.customer("acme")
    contact = write_client.post("/contacts", json={"customer": "acme", "name": "Ana", "email": "ana@acme.example",
                                                   "language": "es"})
    assert contact.status_code == 201, contact.text
    assert write_client.get(f"/contacts/{contact.json()['id']}").json()["email"] == "ana@acme.example"
    factories.asset("srv")
    window = write_client.post("/maintenance", json={"id": "w1", "title": {"en": "Upgrade"}, "assets": ["srv"],
                                                     "start": "2026-12-01T22:00:00+01:00", "duration": "1h"})
    assert window.status_code == 201, window.text
    assert write_client.get("/maintenance", params={"asset": "srv"}).json()["count"] == 1
