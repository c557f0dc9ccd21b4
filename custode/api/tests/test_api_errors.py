"""What the API answers to bad requests, and what its OpenAPI document says it answers: each error status
every route can give, with the body it has; HEAD and OPTIONS on every route."""

from __future__ import annotations

import pytest

from custode.directory.models import Customer
from custode.incidents import services as incidents
from custode.incidents.models import Incident
from custode.testing import factories
from custode.tickets import services as tickets
from custode.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _ref(schema: dict) -> str:
    return schema["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_every_route_documents_the_errors_it_can_answer_with_their_bodies(anonymous):
    document = anonymous.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            where = f"{method.upper()} {path}"
            assert _ref(answers["400"]) == "FieldErrorsOut", where  # a NUL anywhere, a body that is not JSON
            assert _ref(answers["401"]) == _ref(answers["403"]) == "ErrorOut", where
            if "{" in path:
                assert _ref(answers["404"]) == "ErrorOut", where
            if "requestBody" in operation:
                assert _ref(answers["422"]) == "FieldErrorsOut", where
    assert document["paths"]["/api/v1/customers"]["post"]["responses"].keys() >= {"201", "409"}
    assert document["paths"]["/api/v1/customers/{key}"]["delete"]["responses"].keys() >= {"204", "409"}


def test_a_body_that_is_not_json_is_400_naming_the_body(write_client):
    response = write_client.post("/customers", content=b"{'id': 'acme'}", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == ["body"] and error["msg"].startswith("the body is not JSON: Expecting property name")


def test_a_body_that_is_not_an_object_is_422_and_changes_nothing(write_client):
    factories.customer("acme")
    ticket = tickets.ticket_open(customer="acme", subject="Printer", body="It jams.")
    incident = incidents.incident_open(root_asset=factories.asset("core-router", kind="network"))
    for path, body in ((f"/tickets/{ticket.pk}", [None, None]), (f"/incidents/{incident.pk}/resolve", 5)):
        response = write_client.request("PATCH" if "tickets" in path else "POST", path, json=body)
        assert response.status_code == 422, path
        assert response.json()["detail"] == [{"loc": ["body"], "msg": "must be a JSON object", "type": "model_type"}]
    assert Incident.objects.get(pk=incident.pk).resolved_at is None


def test_a_misspelt_key_in_a_body_is_422_naming_it_not_ignored(write_client):
    factories.customer("acme")
    ticket = tickets.ticket_open(customer="acme", subject="Printer", body="It jams.")
    response = write_client.patch(f"/tickets/{ticket.pk}", json={"statsu": "closed"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "statsu"]
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_query_parameter_given_twice_is_422_naming_it(read_client):
    response = read_client.get("/customers?limit=5&limit=500")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["query", "limit"], "msg": "is given 2 times; give it once",
                                          "type": "invalid"}]


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/messages/release", {"ids": [2**64]}),
    ("GET", f"/incidents/{2**64}", None),
    ("GET", f"/contacts/{2**64}", None),
    ("DELETE", f"/subscribers/{2**64}", None),
])
def test_an_id_too_large_for_the_database_is_422_not_a_server_error(write_client, method, path, body):
    response = write_client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert "less than or equal to 9223372036854775807" in response.json()["detail"][0]["msg"]


def test_deleting_a_customer_with_tickets_is_409_naming_them_and_deletes_nothing(write_client):
    factories.customer("acme")
    tickets.ticket_open(customer="acme", subject="Printer", body="It jams.")
    response = write_client.delete("/customers/acme")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("cannot be deleted: it is still referred to by 1 ticket (#")
    assert Customer.objects.filter(key="acme").exists()


def test_head_answers_like_get_without_a_body(read_client, anonymous):
    factories.customer("acme")
    get, head = read_client.get("/customers"), read_client.head("/customers")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]
    assert anonymous.head("/customers").status_code == 401
    assert read_client.head("/customers/nobody").status_code == 404


def test_options_answers_204_with_the_methods_a_url_takes(anonymous):
    response = anonymous.options("/customers/acme")
    assert response.status_code == 204 and response.content == b""
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    assert anonymous.options("/messages/release").headers["allow"] == "OPTIONS, POST"


def test_an_id_with_a_trailing_newline_is_refused_naming_it(write_client):
    response = write_client.post("/customers", json={"id": "acme\n", "name": "Acme"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "id"]
    assert not Customer.objects.exists()


def test_durations_and_ids_are_documented_as_the_text_the_api_takes(anonymous):
    schemas = anonymous.get("/openapi.json").json()["components"]["schemas"]
    plan = schemas["PlanSpec"]["properties"]
    assert plan["id"]["pattern"] == "^[a-z0-9][a-z0-9_-]{0,62}$"
    duration = plan["first_response"]["additionalProperties"]
    assert duration["type"] == "string" and duration["examples"] == ["30s", "5m"]
