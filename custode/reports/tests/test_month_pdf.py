"""A month of generated history rendered to PDF in each language, its text read back with the real pdftotext and
every figure checked against what the test computes from the generated history on its own."""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from custode.assets.models import Licence
from custode.incidents import wording
from custode.reports import render
from custode.reports.gather import month_report
from custode.reports.months import month_of
from custode.reports.tests.history import month_of_history
from custode.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]

TZ = ZoneInfo("Europe/Rome")
OCTOBER = month_of(dt.date(2026, 10, 1), TZ)  # 31 days, and the clocks go back on the 25th
DECIMAL = {"it": ",", "en": ".", "es": ","}


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, table rows kept on one line, runs of spaces made one."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout.decode())


def two_decimals(value: float, language: str) -> str:
    return f"{math.floor(value * 100 + 1e-9) / 100:.2f}".replace(".", DECIMAL[language])


def expected_uptime(truth, monitor: str) -> float:
    spans = truth.maintenance[truth.asset_of[monitor]]
    kept = [(up, n) for hour, up, n in truth.hours[monitor]
            if not any(start < hour + dt.timedelta(hours=1) and hour < end for start, end in spans)]
    return 100.0 * sum(u for u, _ in kept) / sum(n for _, n in kept)


def world(language: str, *, backups: bool = True):
    factories.provider(timezone="Europe/Rome", name="Rete Sicura", contact_email="assistenza@retesicura.example")
    plan = factories.plan(uptime_target=99.9, monthly_hours=10, name={"it": "Oro", "en": "Gold", "es": "Oro"})
    customer = factories.customer(name=f"Studio D'Amico {language.upper()}", language=language, plan=plan)
    return customer, month_of_history(customer, OCTOBER, seed=7, backups=backups)


def said(language: str, text: str) -> str:
    with translation.override(language):
        return translation.pgettext("report", text)


@pytest.mark.parametrize("language", ["it", "en", "es"])
def test_the_pdf_shows_every_figure_of_the_month_in_the_customers_language(language):
    customer, truth = world(language)
    text = pdf_text(render.pdf(month_report(customer, OCTOBER)))

    assert "Rete Sicura" in text and "assistenza@retesicura.example" in text
    assert text.count(customer.name) >= 3  # the heading and each page's footer
    assert said(language, "Monthly report") in text
    for monitor, asset in truth.asset_of.items():
        uptime = expected_uptime(truth, monitor)
        verdict = said(language, "met") if uptime >= 99.9 else said(language, "missed")
        sign = "+" if uptime >= 99.9 else "-"
        name = re.escape(asset)  # a long name wraps the cell: "(http)" and the margin go under it
        row = (re.search(rf"{name} \(http\) (\S+) %\s+(\w+) \(([+-][\d.,]+)\)", text)
               or re.search(rf"{name} (\S+) %\s+(\w+)[^\n]*\n\s*\(http\) \(([+-][\d.,]+)\)", text))
        assert row, f"no uptime row for {asset} in:\n{text}"
        assert row[1] == two_decimals(uptime, language)
        assert row[2] == verdict
        assert row[3] == sign + two_decimals(abs(uptime - 99.9), language)
    assert wording.duration(7200, language) in text  # the maintenance window, shown apart

    n = len(truth.incidents)
    with translation.override(language):
        sentence = translation.npgettext("report", "%(n)s incident this month.", "%(n)s incidents this month.", n)
    assert sentence % {"n": n} in text
    for update, start, end in truth.incidents:
        assert wording.duration((end - start).total_seconds(), language) in text
        assert update in text
    assert "internal note" not in text

    on_time = sum(1 for due, answered in truth.tickets if answered <= due)
    assert re.search(rf"{re.escape(said(language, 'Tickets opened'))} {len(truth.tickets)}\b", text)
    assert re.search(rf"{re.escape(said(language, 'First responses on time'))} {on_time}\b", text)
    assert re.search(rf"{re.escape(said(language, 'First responses late'))} {len(truth.tickets) - on_time}\b", text)
    assert wording.duration(truth.paused_seconds, language) in text

    used = f"{truth.minutes / 60:.1f}".replace(".", DECIMAL[language])
    assert re.search(rf"{re.escape(said(language, 'Used'))} {re.escape(used)} h", text)
    left = f"{abs(600 - truth.minutes) / 60:.1f}".replace(".", DECIMAL[language])
    assert left in text

    backups = text.split(said(language, "Backups"))[-1]  # a long asset name may wrap: its figures are one row
    assert re.search(rf" {truth.backup_runs} {truth.backup_failed} {truth.replicas} {truth.restore_ok} 0\n", backups)
    assert truth.signoff_note in text
    assert re.search(r"(Pag|Page|Página)\w* 1 / \d", text)


def test_warranties_and_licences_ending_within_90_days_of_the_months_end_are_listed(settings):
    customer, _ = world("en", backups=False)
    near = factories.asset(customer=customer, name="NAS reception", warranty_until=dt.date(2027, 1, 20))
    Licence.objects.create(asset=near, name="Backup Pro", expires=dt.date(2026, 11, 15))
    factories.asset(customer=customer, name="Old printer", warranty_until=dt.date(2026, 9, 30))  # before the month
    factories.asset(customer=customer, name="New server", warranty_until=dt.date(2027, 3, 1))  # beyond 90 days
    factories.asset(customer=factories.customer(), name="Someone else's NAS", warranty_until=dt.date(2026, 12, 1))
    text = pdf_text(render.pdf(month_report(customer, OCTOBER)))
    section = text.split("Expiring within 90 days")[1]
    assert re.search(r"NAS reception Licence Backup Pro 15 November 2026\s+NAS reception Warranty 20 January 2027",
                     section)
    assert "Old printer" not in text and "New server" not in text and "Someone else" not in text


def test_a_customer_without_backups_has_no_backup_section():
    customer, _ = world("en", backups=False)
    text = pdf_text(render.pdf(month_report(customer, OCTOBER)))
    assert "Uptime" in text and "Backups" not in text


def test_the_same_month_gives_the_same_pdf_bytes():
    customer, _ = world("it")
    report = month_report(customer, OCTOBER)
    assert render.pdf(report) == render.pdf(month_report(customer, OCTOBER))
