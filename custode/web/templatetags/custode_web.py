from django import template
from django.utils import formats, timezone, translation

from custode.checks import reasons
from custode.incidents import contexts, wording
from custode.lib import links

register = template.Library()


@register.filter
def monitor_target(monitor) -> str:
    """What a monitor checks, as its spec names it: a URL, a host (with its port when set) or a DNS name."""
    spec = monitor.spec or {}
    if spec.get("url"):
        return spec["url"]
    if spec.get("host"):
        return f"{spec['host']}:{spec['port']}" if spec.get("port") else spec["host"]
    return spec.get("name", "")


@register.filter
def local_time(moment, tz) -> str:
    """MOMENT in the zone TZ, with the month in the reader's language and the zone's abbreviation:
    '2 Dec 2026, 03:41 CET'. A 24-hour clock and the day first read the same to every technician."""
    if not moment:
        return ""
    local = moment.astimezone(tz)
    return f"{formats.date_format(local, 'j M Y, H:i')} {local.tzname()}"


@register.filter
def hours_minutes(minutes: int) -> str:
    """Minutes of the hours bank as '10 h', '1 h 05 min', '−0 h 30 min' (a balance may be negative)."""
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02} min" if rest else f"{sign}{hours} h"


@register.filter
def incident_duration(incident) -> str:
    """How long the incident lasted, or has lasted so far, in the reader's language."""
    end = incident.resolved_at or timezone.now()
    return wording.duration((end - incident.opened_at).total_seconds(), translation.get_language())


@register.filter
def reason(text: str) -> str:
    """A check's reason in the reader's language ("connessione rifiutata")."""
    return reasons.say(text, translation.get_language())


@register.filter
def update_text(update) -> str:
    """What the update says, as a reader in the current language gets it (stock texts in their language)."""
    return contexts.update_text(update, translation.get_language())


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """This page's query string with PARAM set to NUMBER, so a page with two paginated lists keeps both."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def ping_url(context, monitor) -> str:
    """Where a push monitor's job reports: on CUSTODE_BASE_URL, else on the host this page was asked on."""
    return links.ping_url(monitor, context.get("request"))


@register.simple_tag(takes_context=True)
def status_url(context, customer) -> str:
    """The customer's private status page, as the API and the messages give it."""
    return links.status_url(customer, context.get("request"))
