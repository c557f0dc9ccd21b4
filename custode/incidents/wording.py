"""Words that depend on the reader's language: durations, lists, dates and times, kinds of asset.

Messages are read in Italian, English or Spanish; each function takes the language and writes the
phrase the way a native speaker would ("1 ora e 12 minuti", "1 hour 12 minutes", "1 hora y 12 minutos").
The words come from CLDR through Babel (month and weekday names, units, list patterns, time zone names).
Times are shown in the provider's timezone, always with the zone named as a reader calls it ("ora Italia",
"Italy Time", "hora de España (Madrid)"), never by its database key.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, get_timezone_gmt, get_timezone_location
from babel.lists import format_list
from babel.units import format_unit
from django.utils import translation

from custode.assets.kinds import AssetKind

# Babel locales: British English writes "4 December" and lists without the Oxford comma.
_LOCALES = {"it": "it", "en": "en_GB", "es": "es"}
_UNDER_A_MINUTE = {"it": "meno di un minuto", "en": "less than a minute", "es": "menos de un minuto"}
# CLDR's day format per language (the names are CLDR's): "giovedì 4 dicembre", "jueves 4 de diciembre".
_DAY = {"it": "EEEE d MMMM", "en": "EEEE d MMMM", "es": "EEEE d 'de' MMMM"}
# English durations read "1 hour 12 minutes"; Italian and Spanish join the units as a list ("1 ora e 12 minuti").
_DURATION_STYLE = {"it": "standard", "en": "unit-narrow", "es": "standard"}


def known(language: str | None) -> str:
    """LANGUAGE when Custode writes in it, else English."""
    return language if language in _LOCALES else "en"


def locale(language: str | None) -> str:
    """The Babel locale Custode writes LANGUAGE in."""
    return _LOCALES[known(language)]


def duration(seconds: float, language: str) -> str:
    """A span to the minute: '1 hour 12 minutes', '1 ora e 12 minuti', '2 días, 3 horas y 5 minutos'."""
    language = known(language)
    minutes = round(max(seconds, 0) / 60)
    if minutes < 1:
        return _UNDER_A_MINUTE[language]
    days, rest = divmod(minutes, 1440)
    amounts = zip((days, *divmod(rest, 60)), ("duration-day", "duration-hour", "duration-minute"))
    parts = [format_unit(n, unit, length="long", locale=locale(language)) for n, unit in amounts if n]
    return format_list(parts, style=_DURATION_STYLE[language], locale=locale(language))


def join(items: list[str], language: str) -> str:
    """'a', 'a and b', 'a, b and c' (Spanish 'y' becomes 'e' before an i- sound, as it should)."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    text = format_list(items, locale=locale(language))
    last = items[-1]
    sound = last.lower()
    if known(language) == "es" and sound.startswith(("i", "hi")) and not sound.startswith(("hia", "hie")):
        text = text.removesuffix(f" y {last}") + f" e {last}"
    return text


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_name(tz: ZoneInfo, language: str) -> str:
    """The zone as a reader of LANGUAGE calls it, the same in summer and winter: 'ora Italia', 'Italy Time',
    'hora de Italia'; 'UTC' for UTC, the offset ('GMT+03:00') for a zone with no place."""
    key = tz.key
    if key in ("UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu", "GMT",
               "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "Greenwich"):
        return "UTC"
    if key.startswith("Etc/"):
        return get_timezone_gmt(dt.datetime(2026, 1, 1, tzinfo=tz), locale=locale(language))
    name = get_timezone_location(tz, locale=locale(language))
    return name[:1].lower() + name[1:] if known(language) == "it" else name


def clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def day(moment: dt.datetime, tz: ZoneInfo, language: str) -> str:
    """'giovedì 4 dicembre', 'Thursday 4 December', 'jueves 4 de diciembre'."""
    language = known(language)
    return format_date(moment.astimezone(tz).date(), _DAY[language], locale=locale(language))


def same_day(a: dt.datetime, b: dt.datetime, tz: ZoneInfo) -> bool:
    return a.astimezone(tz).date() == b.astimezone(tz).date()


def kind(value: str, language: str) -> str:
    """The asset kind as a word inside a sentence: 'sito web', 'website', 'sitio web', 'NAS'."""
    try:
        label = AssetKind(value).label
    except ValueError:
        return value
    with translation.override(known(language)):
        text = str(label)
    return text if text[:2].isupper() else text[:1].lower() + text[1:]
