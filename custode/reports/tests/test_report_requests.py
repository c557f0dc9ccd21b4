"""custode report and GET /api/v1/customers/<id>/reports/<YYYY-MM>.pdf: a report of a month that is over is
written and archived; an unknown customer, a malformed month, the current month or one in the future is a clear
error naming what, and nothing is archived."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from custode.accounts.services import token_create
from custode.reports.models import MonthlyReport
from custode.reports.months import month_of
from custode.reports.tests.history import month_of_history
from custode.reports.tests.test_month_pdf import TZ, pdf_text
from custode.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


@pytest.fixture
def customer():
    factories.provider(timezone="Europe/Rome")
    customer = factories.customer(key="studio", name="Studio Rossi", language="it",
                                  plan=factories.plan(uptime_target=99.9, monthly_hours=5))
    month_of_history(customer, month_of(dt.date(2026, 10, 1), TZ), monitors=1, backups=False)
    return customer


def this_month() -> str:
    return timezone.now().astimezone(TZ).strftime("%Y-%m")


def next_year() -> str:
    # the provider's year: from 23:00 UTC on 31 December, January of the UTC year after is Rome's current month
    return f"{timezone.now().astimezone(TZ).year + 1}-01"


def get(path: str, token: str) -> object:
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def token():
    user = factories.staff(superuser=True)
    return token_create(username=user.username)[1]


def test_the_api_gives_the_months_pdf_and_archives_it_once(customer, token):
    answer = get("/api/v1/customers/studio/reports/2026-10.pdf", token)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "Report mensile" in pdf_text(answer.content)
    again = get("/api/v1/customers/studio/reports/2026-10.pdf?language=en", token)
    assert "Monthly report" in pdf_text(again.content)
    assert sorted(MonthlyReport.objects.values_list("language", flat=True)) == ["en", "it"]
    assert get("/api/v1/customers/studio/reports/2026-10.pdf", token).content == answer.content
    assert MonthlyReport.objects.count() == 2


@pytest.mark.parametrize("month, says", [("2026-13", "not a month"), ("october", "not a month"),
                                         (None, "is not over yet"), ("future", "has not begun")])
def test_the_api_refuses_a_month_that_is_not_one_or_not_over_with_422_naming_it(customer, token, month, says):
    month = {None: this_month(), "future": next_year()}.get(month, month)
    answer = get(f"/api/v1/customers/studio/reports/{month}.pdf", token)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "month"] and says in answer.json()["detail"][0]["msg"]
    assert not MonthlyReport.objects.exists()


def test_the_api_answers_404_for_an_unknown_customer(customer, token):
    answer = get("/api/v1/customers/nobody/reports/2026-10.pdf", token)
    assert answer.status_code == 404 and "nobody" in answer.json()["detail"]
    assert not MonthlyReport.objects.exists()


def test_a_token_of_another_customer_finds_no_report(customer):
    other = factories.customer(key="other")
    limited = token_create(username=factories.staff().username, customer=other.key)[1]
    assert get("/api/v1/customers/studio/reports/2026-10.pdf", limited).status_code == 404
    assert not MonthlyReport.objects.exists()


def run(*args: str) -> int:
    try:
        call_command("report", *args)
    except SystemExit as e:
        return e.code
    return 0


def test_custode_report_writes_the_pdf_and_archives_it(customer, tmp_path):
    out = tmp_path / "report.pdf"
    assert run("--customer", "studio", "--month", "2026-10", "-o", str(out)) == 0
    assert "Report mensile" in pdf_text(out.read_bytes())
    assert MonthlyReport.objects.get().sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_custode_report_writes_html_without_archiving(customer, tmp_path):
    out = tmp_path / "report.html"
    assert run("--customer", "studio", "--month", "2026-10", "--format", "html", "--language", "es",
               "-o", str(out)) == 0
    assert "Informe mensual" in out.read_text() and "<svg" in out.read_text()
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("customer_key, month, says", [
    ("nobody", "2026-10", "no customer 'nobody'"), ("studio", "2026-1", "--month: '2026-1' is not a month"),
    ("studio", None, "is not over yet"), ("studio", "future", "has not begun")])
def test_custode_report_refuses_bad_input_with_exit_2_and_archives_nothing(customer, tmp_path, capsys,
                                                                          customer_key, month, says):
    month = {None: this_month(), "future": next_year()}.get(month, month)
    out = tmp_path / "report.pdf"
    assert run("--customer", customer_key, "--month", month, "-o", str(out)) == 2
    assert says in capsys.readouterr().err
    assert not out.exists() and not MonthlyReport.objects.exists()
