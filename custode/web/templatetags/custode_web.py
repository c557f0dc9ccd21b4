from django import template
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from custode.checks import reasons
from custode.incidents import contexts, wording
from custode.lib import links
from custode.results.locations import monitor_locations
from custode.tickets.models import Priority, Status as TicketStatus

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
def by_location(monitor) -> list:
    """A monitor checked from several locations: each of them as its engine sees it (``results.locations``)."""
    return monitor_locations(monitor) or []


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
def backup_url(context, job) -> str:
    """Where a backup job reports its runs, as the API gives it."""
    return links.backup_report_url(job, context.get("request"))


@register.simple_tag(takes_context=True)
def status_url(context, customer) -> str:
    """The customer's private status page, as the API and the messages give it."""
    return links.status_url(customer, context.get("request"))


SLA_BADGES = {"breached": gettext_lazy("Breached"), "warning": gettext_lazy("Due soon"),
              "paused": gettext_lazy("Paused"), "met": gettext_lazy("Met"), "running": gettext_lazy("Running")}
_NUMBER = 987654321  # stands for a ticket's number in its page's URL, reversed once a table


@register.simple_tag
def ticket_rows(rows, tz, customers: bool = True) -> str:
    """The rows of a tickets table (the queue; a customer's page without the CUSTOMERS columns) from (ticket,
    SLA) pairs, written in Python: through the template, 50 rows were most of a queue page (and Django's
    get_FOO_display builds the field's choices again for every call)."""
    link = reverse("ticket", args=[_NUMBER])
    out = []
    for ticket, clock in rows:
        href = link.replace(str(_NUMBER), str(ticket.number))
        state = clock.state if clock else "none"
        label = SLA_BADGES.get(state, SLA_BADGES["running"])
        badge = (f'<span class="badge sla-{state}">{escape(label)}</span>' if clock
                 else f'<span class="muted">{escape(gettext("no SLA"))}</span>')
        due = (f'<time datetime="{ticket.next_due.isoformat()}">{escape(local_time(ticket.next_due, tz))}</time>'
               if ticket.next_due else "—")
        asset = f' <span class="kind">{escape(ticket.asset.name)}</span>' if ticket.asset else ""
        status = (f'<td><span class="badge ticket-{ticket.status}">{escape(TicketStatus(ticket.status).label)}'
                  '</span></td>')
        if customers:
            assignee = (escape(ticket.assignee.name) if ticket.assignee
                        else f'<span class="muted">{escape(gettext("nobody"))}</span>')
            middle = (f'<td>{escape(ticket.customer.name)}</td>{status}'
                      f'<td>{escape(Priority(ticket.priority).label)}</td><td>{assignee}</td>')
        else:
            middle, asset = status, ""
        out.append(f'<tr class="ticket sla-{state}"><td><a href="{href}">{ticket.number}</a></td>'
                   f'<td><a href="{href}">{escape(ticket.subject)}</a>{asset}</td>{middle}<td>{badge}</td>'
                   f'<td>{due}</td></tr>')
    return mark_safe("\n".join(out))
