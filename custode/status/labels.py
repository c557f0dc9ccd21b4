"""Words a status page shows for states and times, in the active language."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _

from custode.incidents import wording
from custode.incidents.models import Status
from custode.status.selectors import StatusPage
from custode.subscriptions import notices

OVERALL = {
    "operational": _("All systems operational"),
    "maintenance": _("Maintenance in progress"),
    "degraded": _("Some services are degraded"),
    "partial_outage": _("Partial outage"),
    "major_outage": _("Major outage"),
    "unknown": _("No data"),
}

COMPONENT = {
    "up": _("Operational"),
    "degraded": _("Degraded"),
    "down": _("Outage"),
    "maintenance": _("Maintenance"),
    "unknown": _("No data"),
    "paused": _("Not monitored"),
}


# A group's heading (``selectors.Group.heading``).
GROUP = {
    "up": _("Operational"),
    "attention": _("Needs attention"),
    "unknown": _("No data"),
    "partly_unknown": _("Some without data"),
}


def checked_from(locations: list[str]) -> str:
    """'Checked from Milan, Frankfurt and Madrid': a component's locations, as the config names them, title-cased."""
    names = [name.replace("_", " ").title() for name in locations]
    return gettext("Checked from %(places)s") % {"places": wording.join(names, translation.get_language())}


def overall_state(state: str) -> str:
    return str(OVERALL[state])


def component_state(state: str) -> str:
    return str(COMPONENT.get(state, COMPONENT["unknown"]))


def group_heading(heading: str) -> str:
    return str(GROUP[heading])


def incident_status(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def page_title(page: StatusPage) -> str:
    provider, customer = page.audience.provider, page.audience.customer
    if customer is not None:
        return gettext("Service status for %(customer)s") % {"customer": customer.name}
    return notices.page_title(provider, page.language)


def zone(page: StatusPage) -> ZoneInfo:
    return wording.zone(page.audience.provider.timezone)


def zone_name(tz: ZoneInfo) -> str:
    """TZ as a reader of the active language calls it ('ora Italia', 'Italy Time', 'hora de Italia')."""
    return wording.zone_name(tz, wording.known(translation.get_language()))


def moment(value: dt.datetime, tz: ZoneInfo) -> str:
    """'giovedì 4 dicembre 2026, 10:00 (ora Italia)' in the active language, in the provider's zone, the zone
    named as readers call it."""
    language = wording.known(translation.get_language())
    local = value.astimezone(tz)
    when = _with_year(wording.day(local, tz, language), local.year, language)
    return f"{when}, {local:%H:%M} ({zone_name(tz)})"


def _with_year(day: str, year: int, language: str) -> str:
    return f"{day} de {year}" if language == "es" else f"{day} {year}"


def day(value: dt.date, tz: ZoneInfo) -> str:
    """'giovedì 4 dicembre 2026' for a bar's tooltip, in the active language."""
    language = wording.known(translation.get_language())
    local = dt.datetime.combine(value, dt.time(12), tzinfo=tz)
    return _with_year(wording.day(local, tz, language), value.year, language)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SHORT_DAYS = {"it": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
               "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
               "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")}


def support_hours(hours: str) -> str:
    """A plan's 'mon-fri 09:00-18:00' with the days in the active language ('lun-ven 09:00-18:00')."""
    names = dict(zip(_DAYS, _SHORT_DAYS[wording.known(translation.get_language())]))
    return re.sub(r"\b(" + "|".join(_DAYS) + r")\b", lambda m: names[m.group(1)], hours)
