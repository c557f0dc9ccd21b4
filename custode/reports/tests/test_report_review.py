"""With reports_review, a held report is announced once to its customer's owner (a customer without one: to every
technician), the staff list says who is to review it, any technician may approve it, and an approved report goes
out whatever the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from custode.directory.models import Customer, StaffProfile
from custode.notify.models import Message
from custode.reports import monthly, services
from custode.reports.models import MonthlyReport
from custode.reports.review import review_ask
from custode.reports.tests.test_monthly_sending import FIRST_AT_SIX, send_all, world  # noqa: F401  (fixture)
from custode.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


@pytest.fixture
def reviewed(world):
    rossi, mirador = world
    giulia = factories.staff("giulia", name="Giulia Sala", language="it")
    factories.staff("carlos", name="Carlos Ruiz", language="es")
    Customer.objects.filter(pk=rossi.pk).update(owner=StaffProfile.objects.get(user=giulia))
    services.reports_review_save(review=True)
    return rossi, mirador


def staff_messages() -> list[tuple[str, str]]:
    return sorted(Message.objects.filter(audience="staff").values_list("recipient", "subject"))


def test_a_held_report_is_announced_once_to_its_customers_owner_else_to_every_technician(reviewed):
    rossi, mirador = reviewed
    assert send_all(FIRST_AT_SIX) == 2
    assert staff_messages() == [
        ("carlos@example.com", "Para revisar: el informe de noviembre de 2026 de Hotel Mirador"),
        ("giulia@example.com", "Da rivedere: il report di novembre 2026 per Hotel Mirador"),
        ("giulia@example.com", "Da rivedere: il report di novembre 2026 per Studio Rossi"),
    ]
    owners = Message.objects.get(recipient="giulia@example.com", subject__contains="Studio Rossi")
    assert "responsabile del cliente" in owners.body and "https://custode.example/customers/rossi/reports/" in owners.body
    assert not Message.objects.filter(audience="customer").exists()
    assert send_all(FIRST_AT_SIX + dt.timedelta(hours=3)) == 0  # a later look, or a notifier started again
    assert review_ask(MonthlyReport.objects.get(customer=rossi), rossi, FIRST_AT_SIX) == 0  # asked already
    assert len(staff_messages()) == 3


def test_a_report_made_by_hand_before_the_sending_is_announced_too(reviewed):
    rossi, _ = reviewed
    services.report_make(customer=rossi, month="2026-11", now=FIRST_AT_SIX - dt.timedelta(hours=1))
    assert monthly.send_next(now=FIRST_AT_SIX).customer_id == rossi.pk
    assert [r for r, _ in staff_messages()] == ["giulia@example.com"]


def test_the_staff_list_says_who_is_to_review(reviewed):
    rossi, mirador = reviewed
    send_all(FIRST_AT_SIX)
    client = Client()
    client.force_login(factories.staff("anna", language="en"))
    page = client.get("/customers/rossi/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To be reviewed by Giulia Sala, the customer's owner" in page
    page = client.get("/customers/mirador/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To be reviewed by any technician: the customer has no owner" in page


def test_any_technician_may_approve_and_an_approval_after_the_due_days_still_sends(reviewed):
    rossi, _ = reviewed
    send_all(FIRST_AT_SIX)
    client = Client()
    client.force_login(factories.staff("anna"))  # not the owner: Giulia is away
    assert client.post("/customers/rossi/reports/2026-11-it/approve/").status_code == 302
    report = MonthlyReport.objects.get(customer=rossi)
    assert report.approved_by == "anna"
    assert send_all(dt.datetime(2026, 12, 10, 9, 0, tzinfo=FIRST_AT_SIX.tzinfo)) == 1
    assert list(Message.objects.filter(audience="customer").values_list("recipient", flat=True)) == [
        "marco@rossi.example"]
    assert send_all(dt.datetime(2026, 12, 11, 9, 0, tzinfo=FIRST_AT_SIX.tzinfo)) == 0


def test_a_technician_told_by_webhook_gets_the_report_named_in_the_document(reviewed):
    rossi, _ = reviewed
    StaffProfile.objects.filter(user__username="giulia").update(notify=["webhook+https://hooks.example/custode"])
    monthly.send_next(now=FIRST_AT_SIX)
    hook = Message.objects.get(channel="webhook")
    assert hook.payload["event"] == "report.review"
    assert hook.payload["customer"] == {"id": "rossi", "name": "Studio Rossi"}
    assert hook.payload["report"] == {"month": "2026-11", "language": "it", "owner": "giulia",
                                      "url": "https://custode.example/customers/rossi/reports/"}
