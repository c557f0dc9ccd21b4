"""The whole API against its own OpenAPI document, with schemathesis: every operation, with valid and invalid
requests made up by Hypothesis, answers no 5xx, only statuses its document states, the content type it states,
and bodies and headers that match its document.

A bounded run: a few examples per operation (``EXAMPLES``), against Custode's real WSGI application in this
process, with a read-write token and a small world of every kind of object, whose ids the path parameters take
half of the time so that the routes' work is reached and not only their 404; the probe routes take a probe's
token.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.test import Client
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings, strategies as st
from schemathesis import checks

from custode.accounts.services import token_create
from custode.backups.services import backup_save
from custode.backups.specs import BackupSpec
from custode.incidents import services as incidents
from custode.notify.models import Message
from custode.subscriptions.models import Subscriber
from custode.testing import factories
from custode.tickets import services as tickets
from custode.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = 10

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance, checks.negative_data_rejection]


def _document() -> dict:
    """The OpenAPI document the API serves, less its security scheme: each request carries the world's token,
    which schemathesis would otherwise replace with tokens of its own, all of them 401."""
    document = Client().get("/api/v1/openapi.json").json()
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    document["components"].pop("securitySchemes", None)
    return document


schema = schemathesis.openapi.from_dict(_document())
schema.app = application


@pytest.fixture(autouse=True)
def connection_kept():
    """Keep the test's database connection (and its transaction) across requests, as Django's test client does:
    the WSGI handler closes it at the end of each one."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    """One of each kind of object, and the ids a path parameter takes to name them."""
    factories.provider()
    tech = factories.staff("tech", superuser=True)
    plan = factories.plan("basic", monthly_hours=10)
    acme = factories.customer("acme", name="Acme", plan=plan)
    contact = factories.contact(acme, name="Maria")
    router = factories.asset("core-router", kind="network", name="Core router", public=True)
    site = factories.asset("acme-web", customer=acme, name="www.acme.example", public=True)
    site.depends_on.add(router)
    factories.monitor("acme-web-http", asset=site)
    backup_save(asset="acme-web", spec=BackupSpec(id="acme-web-nightly", schedule="0 2 * * *"))
    factories.maintenance(site, start=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), key="acme-night")
    incident = incidents.incident_open(root_asset=router)
    Message.objects.create(key="held-1", topic=f"incident:{incident.pk}", audience="customer", channel="email",
                           recipient="maria@acme.example", language="en", subject="s", body="b",
                           status=Message.Status.HELD, next_attempt_at=incident.opened_at)
    ticket = tickets.ticket_open(customer="acme", subject="Printer", body="It jams.")
    subscriber = Subscriber.objects.create(channel="email", address="lucia@example.com", email="lucia@example.com",
                                           language="it")
    _, secret = token_create(username=tech.username, can_write=True)
    factories.monitor("acme-web-milan", asset=site, locations=["milan"])
    _, probe_secret = factories.probe("milan")
    ids = {"key": {"plans": "basic", "customers": "acme", "contacts": str(contact.pk), "assets": "acme-web",
                   "monitors": "acme-web-http", "maintenance": "acme-night",
                   "backups": "acme-web-nightly"},
           "incident_id": str(incident.pk), "ticket_id": str(ticket.pk), "subscriber_id": str(subscriber.pk)}
    return {"secret": secret, "probe_secret": probe_secret, "ids": ids}


def _existing(case, ids: dict) -> None:
    """Name the world's objects in CASE's path parameters."""
    section = case.operation.path.split("/")[3]
    for name in case.path_parameters or {}:
        value = ids.get(name)
        case.path_parameters[name] = value[section] if isinstance(value, dict) else value


@schema.parametrize()
@schema.given(existing=st.booleans())  # which schemathesis refuses beside the document's examples: generated only
@settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_its_document_says(case, existing, world):
    if existing and case.path_parameters and case.meta.generation.mode.is_positive:
        _existing(case, world["ids"])
    secret = world["probe_secret"] if case.operation.path.startswith("/api/v1/probe/") else world["secret"]
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
