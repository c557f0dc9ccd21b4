"""A MonthReport as the customer reads it: HTML from one template, and the PDF WeasyPrint makes of that HTML.

Every figure is formatted here, in the report's language (Babel's numbers and dates, Custode's durations), so
the template only places text. The PDF is the same bytes for the same report: its creation and modification
dates are the month's end, and WeasyPrint's document identifier is derived from the content.
"""

from __future__ import annotations

import datetime as dt
import math
import threading

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from custode.incidents import wording
from custode.reports import chart
from custode.reports.gather import MonthReport, Service


def percent(value: float | None, language: str) -> str:
    """'99.95 %' with two decimals, cut (not rounded) so 99.996 never reads as a perfect 100."""
    if value is None:
        return "–"
    cut = math.floor(value * 100 + 1e-9) / 100
    return f"{format_decimal(cut, '0.00', locale=wording.locale(language))} %"


def points(value: float, language: str) -> str:
    """A difference of percentages, signed: '+0.04', '-1.20' (percentage points)."""
    cut = math.floor(abs(value) * 100 + 1e-9) / 100
    return ("+" if value >= 0 else "-") + format_decimal(cut, "0.00", locale=wording.locale(language))


def hours(minutes: int, language: str) -> str:
    """Minutes as hours with one decimal: '12.5 h', '12,5 h'."""
    return f"{format_decimal(minutes / 60, '0.0', locale=wording.locale(language))} h"


def moment(at: dt.datetime, tz, language: str) -> str:
    return format_datetime(at.astimezone(tz), "d MMM HH:mm", locale=wording.locale(language))


def date(day: dt.date, language: str) -> str:
    return format_date(day, "long", locale=wording.locale(language))  # es: "2 de diciembre de 2026"


def month_name(first: dt.date, language: str) -> str:
    """'novembre 2026', 'November 2026', 'noviembre de 2026': CLDR's month-and-year in the language."""
    return format_skeleton("yMMMM", first, locale=wording.locale(language))


def context(report: MonthReport) -> dict:
    """The template's context: REPORT's figures as text in its language."""
    language, tz = report.language, report.month.start.tzinfo
    with translation.override(language):
        return {
            "report": report, "language": language, "month": month_name(report.month.first, language),
            "zone": wording.zone_name(tz, language),
            "target": percent(report.target, language) if report.target is not None else "",
            "services": [_service(s, language) for s in report.services],
            "incidents": [_incident(i, tz, language) for i in report.incidents],
            "tickets": report.tickets and _tickets(report.tickets, tz, language),
            "hours": report.hours and {"included": hours(report.hours.included_minutes, language),
                                       "used": hours(report.hours.used_minutes, language),
                                       "balance": hours(report.hours.balance_minutes, language),
                                       "over": report.hours.balance_minutes < 0},
            "backups": [{**vars(b), "signoffs": [{"at": moment(s.at, tz, language), "by": s.by, "note": s.note}
                                                 for s in b.signoffs]} for b in report.backups],
            "expiries": [{"asset": e.asset, "what": _expiring(e), "expires": date(e.expires, language)}
                         for e in report.expiries],
            "patches": [{"asset": p.asset, "pending": "–" if p.pending is None else p.pending,
                         "security": "–" if p.security is None else p.security,
                         "since": date(p.since.astimezone(tz).date(), language) if p.since else "",
                         "counted": date(p.counted_at.astimezone(tz).date(), language) if p.counted_at else "–",
                         "after_month": p.after_month, "overdue": p.overdue} for p in report.patches],
            "patches_after_month": any(p.after_month for p in report.patches),
            "made": date(report.month.end.date(), language),
        }


def _expiring(expiry) -> str:
    if expiry.kind == "warranty":
        return pgettext("report", "Warranty")
    return pgettext("report", "Licence %(name)s") % {"name": expiry.name}


def _service(service: Service, language: str) -> dict:
    met = service.met
    return {
        "name": service.asset, "type": service.type, "uptime": percent(service.percent, language),
        "met": met, "margin": points(service.margin, language) if met is not None else "",
        "maintenance": wording.duration(service.maintenance_seconds, language) if service.maintenance_seconds else "",
        "chart": mark_safe(chart.daily_uptime(service.days, service.target, service.asset)),
    }


def _incident(incident, tz, language: str) -> dict:
    seconds = incident.seconds
    return {
        "title": incident.title, "severity": incident.severity, "start": moment(incident.started_at, tz, language),
        "end": moment(incident.resolved_at, tz, language) if incident.resolved_at else "",
        "duration": wording.duration(seconds, language) if seconds is not None else pgettext("report", "still open"),
        "updates": [{"at": moment(u.at, tz, language), "text": u.text} for u in incident.updates],
    }


def _tickets(tickets, tz, language: str) -> dict:
    return {
        "opened": tickets.opened, "resolved": tickets.resolved, "on_time": tickets.on_time,
        "late": len(tickets.breached),
        "breaches": [{"number": b.number, "subject": b.subject, "due": moment(b.due, tz, language),
                      "answered": moment(b.answered_at, tz, language) if b.answered_at
                      else pgettext("report", "no answer yet")} for b in tickets.breached],
        "paused": wording.duration(tickets.paused_seconds, language) if tickets.paused_seconds else "",
    }


def html(report: MonthReport) -> str:
    with translation.override(report.language):
        return render_to_string("reports/report.html", context(report))


_fonts: list = []  # the process's one FontConfiguration, made at the first PDF
_fonts_lock = threading.Lock()


def pdf(report: MonthReport) -> bytes:
    """The report as PDF: the same bytes for the same REPORT (dates in its metadata are the month's end).

    Every PDF shares one FontConfiguration, and so one at a time in a process: WeasyPrint makes a new one (a
    Pango font map) for each document otherwise, and the process grew by about 0.25 MB a report for good
    (110 MB over bench/reports.py's 500); shared, it stays flat, with the same bytes out."""
    from weasyprint import HTML  # loads Pango: only when a PDF is made
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(string=html(report))
    with _fonts_lock:
        if not _fonts:
            _fonts.append(FontConfiguration())
        return document.write_pdf(pdf_identifier=_identifier(report), font_config=_fonts[0])


def _identifier(report: MonthReport) -> bytes:
    return f"custode-report-{report.customer_key}-{report.month.label}-{report.language}".encode()
