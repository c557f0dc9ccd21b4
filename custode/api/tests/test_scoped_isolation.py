"""A token limited to Acme, walked over every operation of the API's own OpenAPI document (so a route added
later is walked too): every way of naming Other Srl's objects (an id in the path, a filter, a page's `after`,
an id in a body) answers exactly as naming an object that does not exist does, nothing of Other Srl's is
listed, and nothing at all is written (one look at every table before and after the walk).

Each request is made twice, once with Other Srl's object and once with a value that names nothing, and the
two answers must be equal once each value is read as the other: a different status, or a message that tells
"not yours" from "no such thing", is a leak. Sections a limited token may not touch are 403 whatever they name.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.test import Client

from custode.accounts.services import token_create
from custode.agents.reports import Report
from custode.agents.services import agent_enroll, agent_store, agent_token_create
from custode.api import scope
from custode.backups.models import BackupJob, BackupSignOff
from custode.backups.reports import FinishReport
from custode.backups.services import backup_finish, backup_save
from custode.backups.specs import BackupSpec
from custode.incidents import services as incidents
from custode.notify.models import Message
from custode.portal import callbacks
from custode.portal.models import CallbackHours
from custode.testing import factories
from custode.tickets import services as tickets

pytestmark = pytest.mark.django_db

MISSING_KEY, MISSING_ID = "nothing-here", 987654321
# the apps whose rows the walk must leave as they were (not accounts: a token notes when it was last used)
WATCHED = ("directory", "assets", "monitors", "maintenance", "incidents", "tickets", "notify", "portal",
           "subscriptions", "backups", "agents", "probes")
# sections that take another kind of token (a remote probe's): any staff token, limited or not, is 401 there
OTHER_TOKENS = ("probe",)


@pytest.fixture
def world(db):
    factories.provider()
    plan = factories.plan("care", monthly_hours=10)
    acme = factories.customer("acme", name="Acme", plan=plan)
    other = factories.customer("other", name="Other Srl", plan=plan)
    factories.contact(acme, name="Ada of Acme")
    theirs = factories.contact(other, name="Olga Otherwise", email="olga@other.example")
    factories.asset("acme-site", customer=acme, name="acme.example")
    site = factories.asset("other-site", customer=other, name="other.example")
    factories.monitor("acme-http", asset=acme.assets.get())
    factories.monitor("other-http", asset=site)
    incident = incidents.incident_open(root_asset=site)
    factories.contact(other, name="Otto Other")  # a second contact: one is the outsider's id in bodies
    ticket = tickets.ticket_open(customer="other", subject="Other's secret request", body="Their body.",
                                 contact=theirs.pk, asset="other-site")
    tickets.ticket_open(customer="acme", subject="Acme's own request", body="Ours.")
    message = Message.objects.create(key="other:1", audience="customer", customer=other, channel="email",
                                     recipient="olga@other.example", language="en", subject="Other's mail",
                                     body="Their mail.", next_attempt_at=dt.datetime.now(dt.timezone.utc),
                                     status=Message.Status.HELD)
    staff = factories.staff("tech")
    backup_save(asset="other-site", spec=BackupSpec(id="other-site-nightly", schedule="0 2 * * *"))
    nightly = BackupJob.objects.get(key="other-site-nightly")
    backup_finish(job=nightly, report=FinishReport(status="failed", snapshot="other-snapshot"))
    BackupSignOff.objects.create(job=nightly, state="failed", note="Other's disk replaced", by="Tech",
                                 at=dt.datetime.now(dt.timezone.utc))
    agent, _ = agent_enroll(token=agent_token_create(asset="other-site")[1], hostname="other-host-01")
    now = dt.datetime.now(dt.timezone.utc)
    agent_store(agent=agent, report=Report(at=now, sent_at=now, load=[1, 1, 1], cpu_count=1, inventory={
        "os": "Other's OS"}, memory={"total": 1, "available": 1, "percent": 0}))
    CallbackHours.objects.create(staff=staff.staff, hours="mon-sun 00:00-24:00")
    _, secret = token_create(username="tech", can_write=True, customer="acme")
    return SimpleNamespace(other=other, contact=theirs, site=site, incident=incident, ticket=ticket,
                           message=message, secret=secret)


def outsiders(world) -> dict[str, tuple[object, object]]:
    """For each section a limited token may read: (Other Srl's object's id, an id naming nothing)."""
    return {"customers": ("other", MISSING_KEY), "contacts": (world.contact.pk, MISSING_ID),
            "assets": ("other-site", MISSING_KEY), "monitors": ("other-http", MISSING_KEY),
            "incidents": (world.incident.pk, MISSING_ID), "tickets": (world.ticket.pk, MISSING_ID),
            "messages": (world.message.pk, MISSING_ID), "callbacks": (None, None)}


# query parameters that name an object: the section whose ids they take (None: the path's own section)
NAMING = {"customer": "customers", "asset": "assets", "after": None}


def bodies(world) -> dict[tuple[str, str], list[tuple[dict, dict]]]:
    """The writes a limited token may make, each with (a body naming Other Srl's object, one naming nothing)."""
    start = callbacks.free_slots(days=1)[0].start.isoformat()
    ticket = {"customer": "acme", "subject": "S", "body": "B"}
    call = {"customer": "acme", "phone": "+39 0521 1", "start": start, "topic": "T"}
    return {
        ("POST", "/tickets"): [({**ticket, "customer": "other"}, {**ticket, "customer": MISSING_KEY}),
                               ({**ticket, "asset": "other-site"}, {**ticket, "asset": MISSING_KEY}),
                               ({**ticket, "contact": world.contact.pk}, {**ticket, "contact": MISSING_ID})],
        ("POST", "/callbacks"): [({**call, "customer": "other"}, {**call, "customer": MISSING_KEY}),
                                 ({**call, "contact": world.contact.pk}, {**call, "contact": MISSING_ID})],
    }


def snapshot() -> dict[str, list]:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for name in WATCHED
            for model in apps.get_app_config(name).get_models()}


def changed(before: dict[str, list], after: dict[str, list]) -> dict[str, list]:
    """The rows written between two snapshots, by table: what tells which route wrote."""
    return {label: [row for row in after[label] if row not in rows] + [row for row in rows if row not in after[label]]
            for label, rows in before.items() if after[label] != rows}


def leaks(world) -> list[str]:
    return ["Other Srl", "other-site", "other-http", "olga@other.example", "Olga Otherwise", "Otto Other",
            "Other's secret request", "Their body.", "Other's mail", "other.example", "other-site-nightly",
            "other-snapshot", "Other's disk replaced",
            "other-host-01", "Other's OS"]


@functools.cache
def operations() -> list[tuple[str, str, dict]]:
    document = Client().get("/api/v1/openapi.json").json()
    return [(method.upper(), path.removeprefix("/api/v1"), operation)
            for path, ops in document["paths"].items() for method, operation in ops.items()]


def section(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


class Walk:
    def __init__(self, world):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {world.secret}")
        self.world, self.requests = world, 0

    def call(self, method: str, path: str, query: dict | None = None, body: dict | None = None):
        self.requests += 1
        url = f"/api/v1{path}"
        if method == "GET":
            return self.client.get(url, query or {})
        return self.client.generic(method, url, json.dumps(body or {}), content_type="application/json")

    def same(self, what: str, method: str, theirs: tuple, nothing: tuple, values: tuple) -> int:
        """The answer to THEIRS (path, query, body) equals the answer to NOTHING once Other's value is read
        as the missing one, and tells nothing of Other's."""
        answer, missing = self.call(method, *theirs), self.call(method, *nothing)
        text, its = answer.content.decode(), missing.content.decode()
        if values[0] is not None:  # the value it sent, said back, is no leak
            text, its = text.replace(str(values[0]), "<id>"), its.replace(str(values[1]), "<id>")
        told = [leak for leak in leaks(self.world) if leak in text]
        assert not told, f"{method} {what}: tells {told}: {text[:300]}"
        assert (answer.status_code, text) == (missing.status_code, its), \
            f"{method} {what}: {answer.status_code} {text[:300]} / for nothing: {missing.status_code} {its[:300]}"
        return answer.status_code


def test_the_walk_knows_every_section_a_limited_token_reads_and_every_write_it_may_make(world):
    known, writes = outsiders(world), bodies(world)
    for method, path, operation in operations():
        if section(path) in scope.READABLE:
            assert section(path) in known, f"{path}: say which of Other's objects it takes in outsiders()"
        if (method, path.strip("/")) in scope.WRITABLE:
            assert (method, path) in writes, f"{method} {path}: say how a body names Other's objects in bodies()"


def test_a_limited_token_finds_nothing_of_another_customer_on_any_route_and_changes_nothing(world):
    walk, known, writes = Walk(world), outsiders(world), bodies(world)
    refused, before = 0, snapshot()
    for method, path, operation in operations():
        own = section(path)
        if own in OTHER_TOKENS:
            status = walk.call(method, path).status_code
            assert status == 401, f"{method} {path}: {status}"
            refused += 1
            continue
        readable = own in scope.READABLE and (method == "GET" or (method, path.strip("/")) in scope.WRITABLE)
        params = {p["name"]: p["in"] for p in operation.get("parameters", [])}
        in_path = [name for name, where in params.items() if where == "path"]
        theirs_id, missing_id = known[own] if readable and own in known else ("their-object", MISSING_KEY)
        if in_path:
            theirs, nothing = (path.format(**dict.fromkeys(in_path, value)) for value in (theirs_id, missing_id))
            status = walk.same(path, method, (theirs, None, {}), (nothing, None, {}), (theirs_id, missing_id))
            assert status in ((404, 405) if readable else (403, 405)), f"{method} {path}: {status}"
            refused += 1
            continue
        if method != "GET":
            for body_theirs, body_missing in writes.get((method, path), [({}, {})]):
                values = next(((body_theirs[k], body_missing[k]) for k in body_theirs
                               if body_theirs[k] != body_missing.get(k)), (None, None))
                status = walk.same(path, method, (path, None, body_theirs), (path, None, body_missing), values)
                assert status in ((403, 404, 409, 422) if readable else (403,)), f"{method} {path}: {status}"
                refused += 1
            continue
        answer = walk.call("GET", path)
        assert answer.status_code == (200 if readable else 403), f"GET {path}: {answer.status_code}"
        assert not [leak for leak in leaks(world) if leak in answer.content.decode()], f"GET {path} lists Other's"
        for name in params:
            if name in NAMING and readable:
                values = known[NAMING[name] or own]
                walk.same(f"{path}?{name}=", "GET", (path, {name: values[0]}, None), (path, {name: values[1]}, None),
                          values)
    assert refused >= 40 and walk.requests >= 100
    assert not changed(before, snapshot()), "the walk wrote these rows"
