"""The staff page of a customer's reports and the portal's: past reports listed and downloaded; a month not over is
refused on the page and nothing archived; in the portal a contact sees their own customer's released reports only,
and another customer's report, or one held for review, is 404."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client

from custode.portal.access import KEY, UNTIL
from custode.reports import services
from custode.reports.models import MonthlyReport
from custode.reports.months import month_of
from custode.reports.tests.history import month_of_history
from custode.reports.tests.test_month_pdf import TZ, pdf_text
from custode.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


@pytest.fixture
def world():
    factories.provider(timezone="Europe/Rome")
    plan = factories.plan(uptime_target=99.9)
    rossi = factories.customer("rossi", name="Studio Rossi", language="it", plan=plan)
    mirador = factories.customer("mirador", name="Hotel Mirador", language="es", plan=plan)
    for customer in (rossi, mirador):
        month_of_history(customer, month_of(dt.date(2026, 10, 1), TZ), monitors=1, backups=False)
    return rossi, mirador


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(factories.staff())
    return client


def portal_client(contact) -> Client:
    client = Client()
    session = client.session
    session[KEY], session[UNTIL] = contact.pk, time.time() + 3600
    session.save()
    return client


def test_staff_make_a_report_see_it_listed_and_download_it(world, staff_client):
    answer = staff_client.post("/customers/rossi/reports/make/", {"month": "2026-10", "language": "en"})
    assert answer.status_code == 302
    page = staff_client.get("/customers/rossi/reports/").content.decode()
    assert "/customers/rossi/reports/2026-10-en.pdf" in page
    pdf = staff_client.get("/customers/rossi/reports/2026-10-en.pdf")
    assert pdf["Content-Type"] == "application/pdf" and "Studio Rossi" in pdf_text(pdf.content)
    assert "/customers/rossi/reports/" in staff_client.get("/customers/rossi/").content.decode()


def test_staff_recommendation_is_printed_in_the_report(world, staff_client):
    staff_client.post("/customers/rossi/reports/recommendation/", {"month": "2026-10", "text": "Replace the NAS disks"})
    staff_client.post("/customers/rossi/reports/make/", {"month": "2026-10"})
    row = MonthlyReport.objects.get()
    assert row.language == "it" and "Replace the NAS disks" in pdf_text(bytes(row.pdf))
    assert "Cosa consigliamo" in pdf_text(bytes(row.pdf))


def test_staff_asking_for_a_month_not_over_get_422_naming_it_and_nothing_archived(world, staff_client):
    answer = staff_client.post("/customers/rossi/reports/make/", {"month": "2099-01"})
    assert answer.status_code == 422 and "month: 2099-01 has not begun" in answer.content.decode()
    answer = staff_client.post("/customers/rossi/reports/make/", {"month": "10/2026"})
    assert answer.status_code == 422 and "is not a month" in answer.content.decode()
    assert not MonthlyReport.objects.exists()


def test_a_contact_downloads_their_customers_report_and_never_another_ones(world):
    rossi, mirador = world
    services.report_make(customer=rossi, month="2026-10")
    services.report_make(customer=mirador, month="2026-10")
    marco = portal_client(factories.contact(rossi, name="Marco", email="marco@rossi.example", language="it"))
    listing = marco.get("/portal/reports/").content.decode()
    assert "/portal/reports/2026-10-it.pdf" in listing and "2026-10-es" not in listing
    assert "Studio Rossi" in pdf_text(marco.get("/portal/reports/2026-10-it.pdf").content)
    assert marco.get("/portal/reports/2026-10-es.pdf").status_code == 404  # Mirador's
    assert marco.get("/portal/reports/2026-09-it.pdf").status_code == 404


def test_a_report_held_for_review_reaches_the_portal_once_approved(world, staff_client):
    rossi, _ = world
    services.reports_review_save(review=True)
    row = services.report_make(customer=rossi, month="2026-10")
    marco = portal_client(factories.contact(rossi, name="Marco", email="marco@rossi.example"))
    assert marco.get("/portal/reports/2026-10-it.pdf").status_code == 404
    assert "2026-10-it.pdf" not in marco.get("/portal/reports/").content.decode()
    assert staff_client.post("/customers/rossi/reports/2026-10-it/approve/").status_code == 302
    row.refresh_from_db()
    assert row.approved_at is not None
    assert marco.get("/portal/reports/2026-10-it.pdf").status_code == 200
