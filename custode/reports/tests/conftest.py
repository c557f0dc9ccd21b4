"""The report tests make real PDFs (WeasyPrint on the system's Pango) and read them with poppler's pdftotext: on a
machine without them they skip, and fail with CUSTODE_REQUIRE_SERVICES=1 (as .ci/run sets, installing both)."""

from __future__ import annotations

import shutil

import pytest

from custode.testing.services import require_service


def _weasyprint_loads() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads Pango through ctypes)
    except OSError:
        return False
    return True


@pytest.fixture
def pdf_tools():
    require_service("WeasyPrint (Pango)", _weasyprint_loads(), "apt-get install libpango-1.0-0 libpangoft2-1.0-0")
    require_service("pdftotext", shutil.which("pdftotext") is not None, "apt-get install poppler-utils")
