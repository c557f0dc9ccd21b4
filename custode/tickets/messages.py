"""What Custode tells staff about tickets: an SLA clock at 75 % of its target, or past it.

Nothing here writes: ``services.sla_warn`` hands the result to the outbox in the transaction that records
the warning as sent. The key names ticket, warning, recipient and channel, so writing it twice is harmless.
"""

from __future__ import annotations

from custode.directory.models import Provider, StaffProfile
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient, staff_recipients
from custode.tickets.models import Ticket
from custode.tickets.sla import Sla


def sla_warning(ticket: Ticket, alarm: str, clock: Sla) -> list[Outgoing]:
    """ALARM (``first_response:warning``, ``resolution:breached``, ...) of TICKET to whoever must act."""
    provider = Provider.get()
    which, level = alarm.split(":")
    due = clock.first_response_due if which == "first_response" else clock.resolution_due
    tz = wording.zone(provider.timezone)
    out = []
    for r in _who_acts(ticket, provider):
        context = {
            **contexts.common(provider, r, contexts.signer_of(None, provider)),
            "ticket": {"number": ticket.number, "subject": ticket.subject, "customer": ticket.customer.name,
                       "asset": ticket.asset.name if ticket.asset else "", "priority": ticket.priority},
            "clock": which, "breached": level == "breached",
            "due": contexts.when(due, tz, r.language) if due else None,
            "url": absolute(f"/tickets/{ticket.number}/"),
        }
        subject, body = templating.render("staff_ticket_sla", r.language, context)
        out.append(Outgoing(
            key=f"ticket:{ticket.pk}:{alarm}:{r.ident}:{r.channel}:{r.address}"[:255], audience=Audience.STAFF,
            channel=r.channel, recipient=r.address, language=r.language, subject=subject, body=body,
            recipient_name=r.name, topic=f"ticket:{ticket.pk}", customer_id=ticket.customer_id))
    return out


def _who_acts(ticket: Ticket, provider: Provider) -> list[Recipient]:
    """The assignee; without one, the on-call staff member; without one either (or if they cannot be
    reached), everyone on staff: a warning is never written to nobody."""
    everyone = staff_recipients(provider=provider)
    on_call = StaffProfile.objects.filter(on_call=True).values_list("pk", flat=True).first()
    for person in (ticket.assignee_id, on_call):
        if person is not None:
            theirs = [r for r in everyone if r.ident == f"staff:{person}"]
            if theirs:
                return theirs
    return everyone
