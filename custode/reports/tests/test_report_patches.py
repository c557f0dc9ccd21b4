"""The report's security updates are as of the month's end, not as of when it is made: whether they were waiting,
since when and whether overdue come from the stretches Custode keeps; the counts are the last report's by the
month's end, or, when a later report replaced it (only the latest is kept), that one's, said with its date."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.agents.models import Agent
from custode.agents.tests.conftest import enrolled, post, report
from custode.reports import services
from custode.reports.tests.test_month_pdf import TZ
from custode.testing import factories

pytestmark = pytest.mark.django_db

NOTE = {"it": "Si conserva solo l'ultimo conteggio", "en": "Only the latest count of each asset's updates is kept",
        "es": "Solo se guarda el último recuento"}


def at(day: int, hour: int = 12, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def send(credential: str, asset: str, measured: dt.datetime, pending: int, security: int) -> None:
    body = report(measured, sent_at=dt.datetime.now(dt.timezone.utc).isoformat(),
                  updates={"pending": pending, "security": security, "manager": "apt"})
    assert post(f"/agent/{asset}/report", body, credential).status_code == 200


@pytest.fixture
def rossi():
    factories.provider(timezone="Europe/Rome")
    customer = factories.customer("rossi", name="Studio Rossi", language="it")
    for key in ("rossi-srv", "rossi-nas", "rossi-pc"):
        factories.asset(key, customer=customer, kind="server", name=key.replace("rossi-", "Rossi ").upper())
    credentials = {key: enrolled(key) for key in ("rossi-srv", "rossi-nas", "rossi-pc")}
    Agent.objects.exclude(asset__key="rossi-pc").update(enrolled_at=dt.datetime(2026, 10, 1, tzinfo=TZ))
    Agent.objects.filter(asset__key="rossi-pc").update(enrolled_at=at(3, month=12))  # after the month: not in it
    send(credentials["rossi-srv"], "rossi-srv", at(10), 7, 2)  # waiting from the 10th: overdue by the end
    send(credentials["rossi-srv"], "rossi-srv", at(30, 23), 9, 3)  # its last report, an hour before the end
    send(credentials["rossi-nas"], "rossi-nas", at(28), 5, 1)  # waiting from the 28th at the end...
    send(credentials["rossi-nas"], "rossi-nas", at(2, month=12), 0, 0)  # ...installed on 2 December
    send(credentials["rossi-pc"], "rossi-pc", at(3, 13, month=12), 4, 4)
    return customer


def rows(customer) -> dict:
    found = services.report_gather(customer=customer, month="2026-11").patches
    return {p.asset: (p.pending, p.security, p.counted_at, p.after_month, p.since, p.overdue) for p in found}


def test_updates_are_shown_as_of_the_months_end(rossi):
    assert rows(rossi) == {
        "ROSSI SRV": (9, 3, at(30, 23), False, at(10), True),
        "ROSSI NAS": (0, 0, at(2, month=12), True, at(28), False),  # cleared after the end: still waiting then
    }


@pytest.mark.parametrize("language", ["it", "en", "es"])
def test_counts_made_after_the_months_end_are_dated_and_said_to_be(rossi, language):
    page = services.report_html(customer=rossi, month="2026-11", language=language)
    assert NOTE[language] in page.replace("&#x27;", "'")
    nas = page[page.index("ROSSI NAS"):].split("</tr>")[0]
    assert {"it": "2 dicembre 2026 *", "en": "2 December 2026 *", "es": "2 de diciembre de 2026 *"}[language] in nas
    assert "ROSSI PC" not in page


def test_a_month_whose_last_reports_are_all_before_its_end_needs_no_note(rossi):
    Agent.objects.filter(asset__key="rossi-nas").delete()
    page = services.report_html(customer=rossi, month="2026-11", language="en")
    assert NOTE["en"] not in page and "30 November 2026" in page
