"""After an incident: each customer it touched gets one ticket telling what happened, for how long, to which of
their services and what was done, already answered (the incident's messages were the first response).

Found by reading resolved incidents (tickets follow incidents; incidents know nothing of tickets), once per
customer and incident: the unique (incident, customer) pair makes a crash or a second process harmless, and a
merged incident's customers get theirs from the incident they were merged into.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.incidents.messages import affected_assets
from custode.incidents.models import AffectedCustomer, Status as IncidentStatus
from custode.tickets import services
from custode.tickets.models import Channel, Event, Reply, Status, Ticket


def pending(batch: int = 25) -> list[AffectedCustomer]:
    """Customers told of an incident now resolved (not merged away) who have no ticket about it yet."""
    has = Ticket.objects.filter(incident_id=OuterRef("incident_id"), customer_id=OuterRef("customer_id"))
    rows = (AffectedCustomer.objects
            .filter(incident__status=IncidentStatus.RESOLVED, incident__merged_into__isnull=True,
                    notified_at__isnull=False)
            .filter(~Exists(has))
            .select_related("incident__owner", "incident__root_asset", "customer__plan")
            .order_by("incident_id", "customer_id"))
    return list(rows[:batch])


def write(row: AffectedCustomer) -> Ticket | None:
    """ROW's ticket: resolved, its first response the incident's first message to the customer."""
    incident, customer = row.incident, row.customer
    provider = Provider.get()
    language = wording.known(customer.language or provider.language)
    assets = affected_assets(incident).get(customer.pk, [])
    facts = contexts.customer_incident(incident, row, assets, provider, language)
    updates = [{"time": contexts.when(u.at, wording.zone(provider.timezone), language),
                "text": contexts.update_text(u, language)} for u in incident.updates.filter(public=True)]
    subject, body = templating.render("ticket_incident", language, {**facts, "updates": updates,
                                                                  "tz": wording.zone_name(
                                                                      wording.zone(provider.timezone), language)})
    opened, resolved = row.started_at, row.resolved_at or incident.resolved_at
    with transaction.atomic():
        if Ticket.objects.select_for_update().filter(incident=incident, customer=customer).exists():
            return None
        ticket = Ticket.objects.create(
            number=services.next_number(), customer=customer, subject=subject[:200], channel=Channel.INCIDENT,
            status=Status.RESOLVED, opened_at=opened, first_response_at=row.notified_at, resolved_at=resolved,
            incident=incident, asset=incident.root_asset if incident.root_asset and
            incident.root_asset.customer_id == customer.pk else None, assignee=incident.owner)
        Event.objects.bulk_create([
            Event(ticket=ticket, at=opened, kind=Event.Kind.OPENED, detail=f"incident #{incident.pk}"),
            Event(ticket=ticket, at=row.notified_at, kind=Event.Kind.RESPONDED, detail="incident message"),
            Event(ticket=ticket, at=resolved, kind=Event.Kind.PAUSED, detail=Status.RESOLVED)])
        Reply.objects.create(ticket=ticket, at=resolved, public=True, body=body, staff=incident.owner,
                             author_name=incident.owner.name if incident.owner else provider.name)
        services.sla_refresh(ticket)
    return ticket


def step(batch: int = 25) -> int:
    """Write the tickets of incidents resolved since the last look; how many were written."""
    return sum(write(row) is not None for row in pending(batch))
