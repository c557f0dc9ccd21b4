"""On the 1st at 06:00 provider time each customer's report of the month before is rendered, archived and e-mailed
through the outbox exactly once to the contacts marked for reports; with reports_review it waits for staff."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.notify.models import Message
from custode.reports import monthly, services
from custode.reports.models import MonthlyReport, ReportRecipient
from custode.reports.months import month_of
from custode.reports.tests.history import month_of_history
from custode.reports.tests.test_month_pdf import TZ
from custode.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]

FIRST_AT_SIX = dt.datetime(2026, 12, 1, 6, 0, tzinfo=TZ)


@pytest.fixture
def world(settings):
    settings.BASE_URL = "https://custode.example"
    factories.provider(timezone="Europe/Rome")
    rossi = factories.customer("rossi", name="Studio Rossi", language="it")
    mirador = factories.customer("mirador", name="Hotel Mirador", language="es")
    for customer in (rossi, mirador):
        month_of_history(customer, month_of(dt.date(2026, 11, 1), TZ), monitors=1, backups=False)
    marco = factories.contact(rossi, name="Marco", email="marco@rossi.example", language="it")
    factories.contact(rossi, name="Anna", email="anna@rossi.example")  # not marked: gets nothing
    lucia = factories.contact(mirador, name="Lucía", email="lucia@mirador.example", language="es")
    ReportRecipient.objects.bulk_create([ReportRecipient(contact=marco), ReportRecipient(contact=lucia)])
    return rossi, mirador


def send_all(now: dt.datetime) -> int:
    done = 0
    while monthly.send_next(now=now) is not None:
        done += 1
    return done


def test_nothing_is_sent_before_six_on_the_first_nor_after_the_third():
    assert monthly.due_month(FIRST_AT_SIX - dt.timedelta(minutes=1), TZ) is None
    assert monthly.due_month(FIRST_AT_SIX, TZ) == dt.date(2026, 11, 1)
    assert monthly.due_month(dt.datetime(2026, 12, 3, 23, 59, tzinfo=TZ), TZ) == dt.date(2026, 11, 1)
    assert monthly.due_month(dt.datetime(2026, 12, 4, 0, 0, tzinfo=TZ), TZ) is None


def test_each_customers_report_is_archived_and_mailed_once_to_the_marked_contacts(world):
    assert send_all(FIRST_AT_SIX) == 2
    assert MonthlyReport.objects.filter(month=dt.date(2026, 11, 1), sent_at__isnull=False).count() == 2
    mails = {m.recipient: m for m in Message.objects.all()}
    assert set(mails) == {"marco@rossi.example", "lucia@mirador.example"}
    assert mails["marco@rossi.example"].subject == "Report mensile: Studio Rossi, novembre 2026"
    assert "https://custode.example/portal/reports/2026-11-it.pdf" in mails["marco@rossi.example"].body
    assert mails["lucia@mirador.example"].subject == "Informe mensual: Hotel Mirador, noviembre de 2026"
    assert send_all(FIRST_AT_SIX + dt.timedelta(hours=5)) == 0  # a later look, or a restarted notifier
    rossi = MonthlyReport.objects.get(customer=world[0])
    assert monthly.send(rossi, world[0], FIRST_AT_SIX) == 0  # the same e-mails again: the outbox keys refuse them
    assert Message.objects.count() == 2


def test_with_review_reports_wait_for_staff_approval(world):
    rossi, mirador = world
    services.reports_review_save(review=True)
    assert send_all(FIRST_AT_SIX) == 2
    assert MonthlyReport.objects.filter(approved_at=None).count() == 2 and not Message.objects.exists()
    services.report_approve(report=MonthlyReport.objects.get(customer=rossi), by="giulia")
    assert send_all(FIRST_AT_SIX + dt.timedelta(hours=1)) == 1
    assert list(Message.objects.values_list("recipient", flat=True)) == ["marco@rossi.example"]


def test_the_notifier_runs_the_monthly_sending():
    from custode.notify.notifier import steps

    assert steps()["reports"] is monthly.step
