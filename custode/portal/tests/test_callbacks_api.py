"""/api/v1/callbacks as shared/DESIGN.md says: GET /slots?days=7 the free slots, POST a booking → 201 with its
ticket; a taken or unknown slot 409, a bad field 422; a token limited to one customer books for it alone."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.accounts.services import token_create
from custode.portal import callbacks
from custode.portal.models import Callback, CallbackHours
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(world):
    staff = factories.staff("anna")
    CallbackHours.objects.create(staff=staff.staff, hours="mon-sun 00:00-24:00")
    return staff


def bearer(anna, **fields) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=anna.username, **fields)[1]}"}


def test_slots_are_the_free_ones_of_the_days_asked(client, anna):
    answer = client.get("/api/v1/callbacks/slots?days=1", **bearer(anna))
    assert answer.status_code == 200
    body = answer.json()
    assert body["slot_minutes"] == 15 and 90 <= len(body["items"]) <= 96
    first = dt.datetime.fromisoformat(body["items"][0]["start"])
    assert first > dt.datetime.now(dt.UTC) and first.minute % 15 == 0
    assert client.get("/api/v1/callbacks/slots?days=0", **bearer(anna)).status_code == 422


def test_a_booking_answers_201_with_its_phone_ticket_and_a_second_one_409(client, anna, world):
    start = callbacks.free_slots(days=1)[0].start.isoformat()
    body = {"customer": "hotel-mirador", "phone": "+34 971 000 111", "start": start, "topic": "Copias",
            "contact": world.lucia.pk}
    made = client.post("/api/v1/callbacks", body, content_type="application/json", **bearer(anna, can_write=True))
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["staff"] == "anna" and out["ticket"]["channel"] == "phone" and out["ticket"]["assignee"] == "anna"
    assert out["ticket"]["customer"] == "hotel-mirador" and out["ticket"]["sla"]["state"] == "running"
    again = client.post("/api/v1/callbacks", body, content_type="application/json", **bearer(anna, can_write=True))
    assert again.status_code == 409 and "taken" in again.json()["detail"]
    assert Callback.objects.count() == 1


@pytest.mark.parametrize("change, status, where", [
    ({"start": "2020-01-06T14:00:00+01:00"}, 422, "start"),
    ({"phone": "call me"}, 422, "phone"),
    ({"customer": "nobody"}, 422, "customer"),
])
def test_bad_input_is_named_and_nothing_is_booked(client, anna, change, status, where):
    start = callbacks.free_slots(days=1)[0].start.isoformat()
    body = {"customer": "hotel-mirador", "phone": "+34 971 000 111", "start": start, "topic": "x", **change}
    answer = client.post("/api/v1/callbacks", body, content_type="application/json", **bearer(anna, can_write=True))
    assert answer.status_code == status and where in str(answer.json()["detail"])
    assert Callback.objects.count() == 0


def test_an_unknown_slot_is_409(client, anna):
    start = (callbacks.free_slots(days=1)[0].start + dt.timedelta(minutes=7)).isoformat()
    body = {"customer": "hotel-mirador", "phone": "+34 971 000 111", "start": start, "topic": "x"}
    answer = client.post("/api/v1/callbacks", body, content_type="application/json", **bearer(anna, can_write=True))
    assert answer.status_code == 409


def test_a_token_limited_to_a_customer_books_for_it_and_not_for_another(client, anna):
    start = callbacks.free_slots(days=1)[0].start.isoformat()
    auth = bearer(anna, can_write=True, customer="studio-rossi")
    body = {"customer": "hotel-mirador", "phone": "+34 971 000 111", "start": start, "topic": "x"}
    assert client.post("/api/v1/callbacks", body, content_type="application/json", **auth).status_code == 403
    mine = client.post("/api/v1/callbacks", {**body, "customer": "studio-rossi"}, content_type="application/json", **auth)
    assert mine.status_code == 201
    assert client.get("/api/v1/callbacks/slots", **auth).status_code == 200
