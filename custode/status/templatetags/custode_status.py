"""Filters of the status page templates: times in the provider's zone, state words, a day's tooltip."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from custode.status import labels
from custode.status.selectors import DAYS

register = template.Library()


@register.filter
def local_time(value, tz):
    """A <time> element: machine-readable UTC, read in the provider's zone with the zone named."""
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), labels.moment(value, tz))


@register.filter
def zone_name(tz):
    """The provider's zone as a reader of the active language calls it: 'ora Italia', 'Italy Time'."""
    return labels.zone_name(tz)


@register.filter
def state_word(state):
    return labels.component_state(state)


@register.filter
def checked_from(locations):
    return labels.checked_from(locations)


@register.filter
def group_word(heading):
    return labels.group_heading(heading)


@register.filter
def overall_word(state):
    return labels.overall_state(state)


@register.filter
def support_hours(hours):
    return labels.support_hours(hours)


@register.filter
def incident_status(status):
    return labels.incident_status(status)


@register.filter
def day_title(day, tz):
    """'giovedì 4 dicembre 2026: 99,95% · 1 incidente' for one day of an uptime bar."""
    when = labels.day(day.date, tz)
    uptime = uptime_text(day.uptime)
    if day.incidents:
        events = ngettext("%(count)d incident", "%(count)d incidents", day.incidents) % {"count": day.incidents}
    else:
        events = gettext("no incidents")
    return f"{when}: {uptime} · {events}"


@register.filter
def uptime_text(value):
    """'99.95% uptime', or 'no data' when nothing was checked."""
    if value is None:
        return gettext("no data")
    return gettext("%(percent)s%% uptime") % {"percent": percent(value)}


@register.filter
def plan_uptime(plan):
    """The plan's uptime promise and what the page's days measured, with a mark when it fell short;
    '' when the plan promises no uptime."""
    if plan is None or plan.uptime_target is None:
        return ""
    values = {"target": promised_percent(plan.uptime_target), "uptime": percent(plan.uptime), "days": DAYS}
    if plan.uptime is None:
        return gettext("Your plan promises %(target)s%% uptime; your services have no measurements "
                       "over the last %(days)d days yet.") % values
    text = gettext("Your plan promises %(target)s%% uptime; over the last %(days)d days your services "
                   "were up %(uptime)s%% of the time.") % values
    if plan.met:
        return text
    return format_html('{} <strong class="tag tag-below">{}</strong>', text, gettext("below what your plan promises"))


def promised_percent(value):
    """99.9 -> '99.9', 100.0 -> '100' ('99,9' in Italian and Spanish): as written in the plan."""
    return number_format(int(value) if float(value).is_integer() else value)


@register.filter
def percent(value):
    """99.953 -> '99.95' ('99,95' in Italian and Spanish); None -> '—'."""
    if value is None:
        return "—"
    return number_format(int(value * 100) / 100, 2)
