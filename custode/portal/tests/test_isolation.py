"""Each contact alone in the portal: every portal URL, read from the URL conf (so a page added later is walked
too), asked by Mirador's contact for Studio Rossi's objects, is a 404 that looks exactly like the 404 of an
object that does not exist (never a 403, nothing of Rossi's in it), and writes nothing; the pages without an
object show nothing of Rossi's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from custode.notify.models import Message
from custode.portal import callbacks
from custode.portal import urls as portal_urls
from custode.portal.models import Callback, CallbackHours
from custode.reports.models import MonthlyReport
from custode.testing import factories
from custode.tickets.models import Attachment, Event, Reply, Ticket, TimeEntry

pytestmark = pytest.mark.django_db

# The doors in: a login link is not a customer's object (its own tests prove it logs in only its contact).
DOORS = {"login-link"}


@pytest.fixture
def their_call(world):
    """A call Studio Rossi booked."""
    staff = factories.staff("anna").staff
    CallbackHours.objects.create(staff=staff, hours="mon-sun 00:00-24:00")
    return callbacks.callback_book(customer="studio-rossi", contact=world.marco.pk, phone="+39 0521 999",
                                   start=callbacks.free_slots(days=1)[0].start, topic="Rossi private call")


def outsider_values(world, call=None) -> dict[str, tuple[object, object]]:
    """For each URL parameter: (the outsider's object's value, a value that names nothing)."""
    MonthlyReport.objects.get_or_create(customer=world.rossi, month=dt.date(2026, 10, 1), language="it", defaults={
        "pdf": b"%PDF- Studio Rossi", "sha256": "0" * 64, "created_at": timezone.now(), "approved_at": timezone.now()})
    return {"number": (world.theirs.number, 999_999), "callback": (call.pk if call else 1, 999_999),
            "attachment": (world.their_file.pk, 999_999), "month": ("2026-10", "1999-01"), "language": ("it", "it")}


def leaks(world) -> list[str]:
    return [world.rossi.name, world.theirs.subject, world.vault.name, world.vault.key, world.rossi.status_token,
            world.marco.name, world.marco.email, "Confidential.", "Rossi private call", "+39 0521 999",
            world.their_file.name]


def written() -> tuple[int, ...]:
    return (Ticket.objects.count(), Reply.objects.count(), Event.objects.count(), TimeEntry.objects.count(),
            Message.objects.count(), Callback.objects.filter(cancelled_at__isnull=True).count(),
            Attachment.objects.count())


def patterns() -> list[URLPattern]:
    return [p for p in portal_urls.urlpatterns if p.name not in DOORS]


def test_the_walk_covers_every_portal_url_and_names_every_parameter(world):
    values = outsider_values(world)
    for pattern in patterns():
        unknown = set(pattern.pattern.converters) - set(values)
        assert not unknown, f"{pattern.name}: say which outsider object {unknown} stands for in outsider_values()"
    assert {p.name for p in patterns()} >= {"tickets", "ticket", "ticket-new", "assets", "hours", "status",
                                            "callbacks", "callback-cancel", "attachment"}


def test_another_customers_objects_are_404_like_nothing_and_write_nothing(as_lucia, world, their_call):
    values = outsider_values(world, their_call)
    walked = 0
    for pattern in patterns():
        params = list(pattern.pattern.converters)
        if not params:
            continue
        theirs = reverse(f"portal:{pattern.name}", kwargs={p: values[p][0] for p in params})
        nothing = reverse(f"portal:{pattern.name}", kwargs={p: values[p][1] for p in params})
        before = written()
        for method in ("get", "post"):
            answer = getattr(as_lucia, method)(theirs, {"body": "hola", "subject": "x", "phone": "1"})
            missing = getattr(as_lucia, method)(nothing, {"body": "hola", "subject": "x", "phone": "1"})
            # 404; or 405 for a method the page never takes, before it looks anything up
            assert answer.status_code in (404, 405), f"{method.upper()} {theirs}: {answer.status_code}"
            assert (answer.status_code, answer.content) == (missing.status_code, missing.content), \
                f"{method.upper()} {theirs} differs from a missing one"
            text = answer.content.decode()
            assert not [leak for leak in leaks(world) if leak in text], theirs
            walked += answer.status_code == 404
        assert written() == before, theirs
    assert walked >= 4  # a ticket by GET and POST, a call's cancel by POST, a file by GET


def test_the_pages_without_an_object_show_nothing_of_another_customer(as_lucia, world, their_call):
    for pattern in patterns():
        if pattern.pattern.converters or pattern.name in {"logout"}:
            continue
        page = as_lucia.get(reverse(f"portal:{pattern.name}"))
        assert page.status_code in (200, 302), pattern.name
        text = page.content.decode()
        assert not [leak for leak in leaks(world) if leak in text], pattern.name


def test_a_ticket_number_that_is_theirs_works_for_them_and_not_for_the_outsider(client, world):
    from custode.portal.tests.conftest import log_in

    log_in(client, "marco@rossi.example")
    assert client.get(f"/portal/tickets/{world.theirs.number}/").status_code == 200
    assert client.get(f"/portal/tickets/{world.theirs.number}/files/{world.their_file.pk}/").status_code == 200
    assert client.get(f"/portal/tickets/{world.mine.number}/").status_code == 404
