"""A report's month: ``YYYY-MM`` read, checked to be over, and its bounds in the provider's timezone.

A month is reported once it has ended where the provider is: the report of November is there from 1 December
00:00 provider time. The current month (not yet over) and a month in the future are refused, so nothing is
ever archived with figures that would still change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from custode.lib.changes import Invalid

_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    first: dt.date  # its first day
    start: dt.datetime  # its first instant, in the provider's timezone
    end: dt.datetime  # the first instant of the next month

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def days(self) -> list[dt.date]:
        count = (next_month(self.first) - self.first).days
        return [self.first + dt.timedelta(days=n) for n in range(count)]


def next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def month_of(first: dt.date, tz: ZoneInfo) -> Month:
    return Month(first, dt.datetime.combine(first, dt.time(0), tz),
                 dt.datetime.combine(next_month(first), dt.time(0), tz))


def parse(text: str) -> dt.date:
    """TEXT (YYYY-MM) as its first day; Invalid naming ``month`` when it is not one."""
    found = _PATTERN.fullmatch((text or "").strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1970:
        raise Invalid("month", f"{text!r} is not a month: write it as YYYY-MM, like 2026-11")
    return dt.date(int(found[1]), int(found[2]), 1)


def ended(text: str, tz: ZoneInfo, now: dt.datetime | None = None) -> Month:
    """The month TEXT names, when it is over in TZ at NOW; Invalid naming ``month`` when malformed, current or
    in the future."""
    month = month_of(parse(text), tz)
    now = now or timezone.now()
    if month.end > now:
        which = "has not begun" if month.start > now else "is not over yet"
        raise Invalid("month", f"{month.label} {which}: a month is reported once it has ended "
                               f"({month.end.date().isoformat()} 00:00 {tz.key})")
    return month
