"""Support hours: the grammar plans and staff use to say when someone answers, and the clock that counts only
inside them.

``"24/7"``, or comma-separated day ranges each with one or more time ranges, in the provider's timezone:
``"mon-fri 09:00-13:00 14:00-18:00, sat 09:00-12:00"``. A holiday calendar (a country code of the
``holidays`` library) takes whole days out. The clock answers "when is this much support time used up,
starting then, not counting these pauses" on real instants, so DST days of 23 or 25 hours, holidays that
move to a Monday and a Friday afternoon all come out right.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24/7"
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_SEARCH_DAYS = 800  # a clock that finds no support time in two years and more has hours that never come
UTC = dt.timezone.utc

Range = tuple[int, int]  # minutes after midnight, start < end <= 1440
Pause = tuple[dt.datetime, "dt.datetime | None"]  # an open pause has no end


@dataclass(frozen=True)
class WeeklyHours:
    """For each weekday (Monday first), its ranges of support time, in order and apart."""

    days: tuple[tuple[Range, ...], ...]

    @property
    def always(self) -> bool:
        return all(day == ((0, 1440),) for day in self.days)


def parse(text: str) -> WeeklyHours:
    """TEXT in the grammar above; ValueError naming the part that is wrong."""
    text = " ".join(text.strip().lower().split())
    if text == ALWAYS:
        return WeeklyHours(((((0, 1440),),) * 7))
    if not text:
        raise ValueError('is empty: write "24/7" or days and hours like "mon-fri 09:00-18:00"')
    days: list[list[Range]] = [[] for _ in DAYS]
    for span in (s.strip() for s in text.split(",")):
        words = span.split()
        if len(words) < 2:
            raise ValueError(f'"{span}": write the days, then one or more hours, like "mon-fri 09:00-18:00"')
        ranges = [_range(w, span) for w in words[1:]]
        for day in _days(words[0], span):
            days[day].extend(ranges)
    for day, ranges in enumerate(days):
        ranges.sort()
        for (s1, e1), (s2, e2) in zip(ranges, ranges[1:]):
            if s2 < e1:
                raise ValueError(f"{DAYS[day]}: {_hhmm(s1)}-{_hhmm(e1)} overlaps {_hhmm(s2)}-{_hhmm(e2)}")
    if not any(days):
        raise ValueError("names no support time at all")
    return WeeklyHours(tuple(tuple(r) for r in days))


def normal(text: str) -> str:
    """TEXT as stored and shown: lower case, single spaces, ", " between day ranges; ValueError if wrong."""
    parse(text)
    text = " ".join(text.strip().lower().split())
    return ", ".join(s.strip() for s in text.split(","))


def _days(word: str, span: str) -> list[int]:
    first, _, last = word.partition("-")
    for name in (first, last or first):
        if name not in DAYS:
            raise ValueError(f'"{span}": unknown day "{name}"; days are {", ".join(DAYS)}')
    a, b = DAYS.index(first), DAYS.index(last or first)
    return [(a + i) % 7 for i in range((b - a) % 7 + 1)]  # "fri-mon" wraps over the weekend


def _range(word: str, span: str) -> Range:
    start, sep, end = word.partition("-")
    if not sep or not _TIME.match(start) or not _TIME.match(end):
        raise ValueError(f'"{span}": "{word}" is not hours like 09:00-18:00')
    a, b = _minutes(start), _minutes(end)
    if a >= 1440 or b > 1440:
        raise ValueError(f'"{span}": "{word}": hours go from 00:00 to 24:00')
    if b <= a:
        raise ValueError(f'"{span}": "{word}" ends before it starts')
    return a, b


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holiday_calendars.country_holidays(country, years=year))


@dataclass(frozen=True)
class Clock:
    """Support time of HOURS in timezone TZ, without the public holidays of COUNTRY (when given)."""

    hours: WeeklyHours
    tz: ZoneInfo
    country: str | None = None

    def is_holiday(self, day: dt.date) -> bool:
        return self.country is not None and day in _holidays(self.country, day.year)

    def windows(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Support time from START on, as UTC instants, in order; a day's adjacent windows are joined."""
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)  # a range may end after START's midnight
        for _ in range(_SEARCH_DAYS):
            for a, b in _day_windows(self, day):
                if b > start:
                    yield max(a, start), b
            day += dt.timedelta(days=1)

    def day_windows(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """Local DAY's support time as UTC instants, its adjacent windows joined; none on a holiday. Days are
        not joined to each other, so a 24/7 clock is read day by day, not two years at once."""
        out: list[tuple[dt.datetime, dt.datetime]] = []
        if self.is_holiday(day):
            return ()
        for a, b in self.hours.days[day.weekday()]:
            window = (self._instant(day, a), self._instant(day, b))
            if window[0] == window[1]:
                continue
            if out and window[0] <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], window[1]))
            else:
                out.append(window)
        return tuple(out)

    def _instant(self, day: dt.date, minutes: int) -> dt.datetime:
        """Local DAY at MINUTES after midnight as a UTC instant; 24:00 is the next midnight. A time skipped by
        DST becomes the instant of the change, so a range that lies wholly in the gap is empty."""
        local = dt.datetime.combine(day, dt.time(0), self.tz) + dt.timedelta(days=minutes // 1440)
        local = local.replace(hour=minutes % 1440 // 60, minute=minutes % 60)
        wall = local.replace(tzinfo=None)
        instant = local.astimezone(UTC)
        if instant.astimezone(self.tz).replace(tzinfo=None) == wall:
            return instant
        low, high = local.replace(fold=1).astimezone(UTC), instant  # the change lies between the two readings
        while high - low > dt.timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.tz).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle
        return high.replace(microsecond=0)

    def due(self, start: dt.datetime, seconds: float, pauses: Sequence[Pause] = ()) -> dt.datetime | None:
        """The instant at which SECONDS of support time after START are used up, not counting PAUSES.
        None while a pause that began before then is still open: a paused clock has no due time."""
        return self.dues(start, [seconds], pauses)[0]

    def dues(self, start: dt.datetime, seconds: Sequence[float],
             pauses: Sequence[Pause] = ()) -> list[dt.datetime | None]:
        """``due`` of each of SECONDS, in one walk over the support time (a ticket's four due times share it)."""
        order = sorted(range(len(seconds)), key=lambda i: seconds[i])
        out: list[dt.datetime | None] = [None] * len(seconds)
        if not order:
            return out
        used, k = dt.timedelta(0), 0
        for a, b in self._free(start, pauses):
            if b is None:
                return out
            while k < len(order) and b - a >= (left := dt.timedelta(seconds=seconds[order[k]]) - used):
                out[order[k]] = a + left
                k += 1
            if k == len(order):
                return out
            used += b - a
        raise ValueError("these support hours never come: no due time within two years")

    def counted(self, start: dt.datetime, end: dt.datetime, pauses: Sequence[Pause] = ()) -> float:
        """Seconds of support time between START and END, not counting PAUSES."""
        total = 0.0
        for a, b in self._free(start, pauses):
            if a >= end:
                break
            total += ((min(b, end) if b is not None else end) - a).total_seconds()
        return total

    def _free(self, start: dt.datetime, pauses: Sequence[Pause]) -> Iterator[tuple[dt.datetime, dt.datetime | None]]:
        """Support windows from START with the PAUSES cut out; an open pause ends the stream with (at, None)."""
        pauses = sorted((p for p in pauses if p[1] is None or p[1] > start), key=lambda p: p[0])
        for a, b in self.windows(start):
            while pauses and a < b:
                p_start, p_end = pauses[0]
                if p_start >= b:
                    break
                if p_start > a:
                    yield a, p_start
                if p_end is None:
                    yield max(a, p_start), None
                    return
                a = max(a, p_end)
                if p_end <= b:
                    pauses.pop(0)
                else:
                    break
            if a < b:
                yield a, b


@lru_cache(maxsize=8192)
def _day_windows(clock: Clock, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """``Clock.day_windows``, kept: the tickets of a plan share their days, and working out a day's instants
    (zone conversions, the DST gap) is most of what computing a due time costs."""
    return clock.day_windows(day)


def clock(hours: str, tz: ZoneInfo | str, country: str | None = None) -> Clock:
    return Clock(parse(hours), ZoneInfo(tz) if isinstance(tz, str) else tz, country)
