"""Making a report says what it made, not how: WeasyPrint's step-by-step narration stays out of the logs."""

from __future__ import annotations

import logging

import pytest

from custode.reports.tests.test_report_requests import customer, run  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


def test_making_a_pdf_logs_nothing_of_weasyprints_steps(customer, tmp_path, caplog):  # noqa: F811
    with caplog.at_level(logging.INFO):
        assert run("--customer", "studio", "--month", "2026-10", "-o", str(tmp_path / "report.pdf")) == 0

    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
