"""Words that depend on the reader's language: durations, lists, dates and times, kinds of asset.

Messages are read in Italian, English or Spanish; each function takes the language and writes the
phrase the way a native speaker would ("1 ora e 12 minuti", "1 hour 12 minutes", "1 hora y 12 minutos").
Times are shown in the provider's timezone, always with the zone named.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import translation

from custode.assets.kinds import AssetKind

_UNITS = {
    "it": (("giorno", "giorni"), ("ora", "ore"), ("minuto", "minuti")),
    "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes")),
    "es": (("día", "días"), ("hora", "horas"), ("minuto", "minutos")),
}
_UNDER_A_MINUTE = {"it": "meno di un minuto", "en": "less than a minute", "es": "menos de un minuto"}
_AND = {"it": "e", "en": "and", "es": "y"}
_WEEKDAYS = {
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}


def known(language: str | None) -> str:
    """LANGUAGE when Custode writes in it, else English."""
    return language if language in _UNITS else "en"


def duration(seconds: float, language: str) -> str:
    """A span to the minute: '1 hour 12 minutes', '1 ora e 12 minuti', '2 días, 3 horas y 5 minutos'."""
    language = known(language)
    minutes = round(max(seconds, 0) / 60)
    if minutes < 1:
        return _UNDER_A_MINUTE[language]
    days, rest = divmod(minutes, 1440)
    amounts = (days, *divmod(rest, 60))
    parts = [f"{n} {names[n != 1]}" for n, names in zip(amounts, _UNITS[language]) if n]
    if language == "en":
        return " ".join(parts)
    return join(parts, language)


def join(items: list[str], language: str) -> str:
    """'a', 'a and b', 'a, b and c' (Spanish 'y' becomes 'e' before an i- sound, as it should)."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    word = _AND[known(language)]
    last = items[-1].lower()
    if word == "y" and (last.startswith("i") or last.startswith("hi")) and not last.startswith(("hia", "hie")):
        word = "e"
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def day(moment: dt.datetime, tz: ZoneInfo, language: str) -> str:
    """'giovedì 4 dicembre', 'Thursday 4 December', 'jueves 4 de diciembre'."""
    language = known(language)
    local = moment.astimezone(tz)
    weekday, month = _WEEKDAYS[language][local.weekday()], _MONTHS[language][local.month - 1]
    if language == "es":
        return f"{weekday} {local.day} de {month}"
    return f"{weekday} {local.day} {month}"


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
