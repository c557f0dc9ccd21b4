"""Writes of incidents. Each one stores its change and the messages telling of it in one transaction.

Who is told what:
- an incident is *confirmed* when it is first told about (staff alert + every affected customer's
  contacts). The processor may hold a new incident for a short while (``held_until``) when the
  failing asset needs others that may turn out to be the cause; a held incident merged into its
  parent's was never told about at all.
- a customer is told of the opening once (``AffectedCustomer.notified_at``), also across merges.
- a resolved incident that was never confirmed sends nothing.

Writes take the provider row's lock first, so two processes (the notifier and a person in the UI)
change incidents one at a time on PostgreSQL; SQLite serialises writers by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from custode.assets.models import Asset
from custode.directory.models import Customer, Provider, StaffProfile
from custode.incidents import graph as g
from custode.incidents import messages
from custode.incidents.models import AffectedCustomer, Incident, Severity, Status, Update
from custode.lib.changes import Invalid
from custode.lib.types import LANGUAGES
from custode.monitors.models import Impact, Monitor, State
from custode.notify.services import outbox_enqueue

TEMPLATES = ("investigating", "identified", "monitoring", "resolved")
RECOVERED = (State.UP, State.DEGRADED, State.PAUSED)


def incident_lock() -> None:
    """Take the lock every incident write holds until its transaction ends (the provider row)."""
    if not Provider.objects.select_for_update().filter(pk=1).values_list("pk", flat=True):
        Provider.get()


def _still_open(incident: Incident) -> None:
    """Under the lock, re-read INCIDENT's status: the caller's copy may predate an auto-resolve or a merge,
    and writing from it would put a resolved incident back in progress, open forever."""
    incident.refresh_from_db(fields=["status", "resolved_at", "confirmed_at", "merged_into", "stable_since"])
    if incident.status == Status.RESOLVED:
        raise Invalid("incident", f"incident {incident.pk} is resolved")


def on_call() -> StaffProfile | None:
    return StaffProfile.objects.filter(on_call=True).order_by("id").first()


def incident_open(
    *, root_asset: Asset, monitors: Iterable[Monitor] = (), at: dt.datetime | None = None,
    held_until: dt.datetime | None = None, merge: Iterable[Incident] = (), graph: g.Graph | None = None,
    impact: str = Impact.OUTAGE,
) -> Incident:
    """A new incident whose cause is ROOT_ASSET, owned by the on-call technician.

    The incidents in MERGE (failures ROOT_ASSET caused) are merged in before anyone is told, so their
    customers already told are not told again. It is told about at once, or from HELD_UNTIL when given.
    An IMPACT other than ``outage`` (a failed job, a degradation) stays on ROOT_ASSET: it is minor, and
    touches neither what depends on it nor its customer, unless a monitor says to tell them.
    """
    at = at or timezone.now()
    graph = graph or g.graph_load()
    critical = g.is_infrastructure(graph, root_asset.pk) and bool(g.dependants(graph, root_asset.pk))
    severity = Severity.MINOR if impact != Impact.OUTAGE else Severity.CRITICAL if critical else Severity.MAJOR
    with transaction.atomic():
        incident_lock()
        incident = Incident.objects.create(
            title=_title(root_asset, impact, monitors), severity=severity, impact=impact,
            owner=on_call(), root_asset=root_asset, opened_at=at, held_until=held_until,
        )
        incident_join(incident=incident, monitors=monitors, assets=[root_asset], at=at, graph=graph)
        for child in merge:
            incident_merge(child=child, parent=incident, at=at)
        if held_until is None:
            incident_confirm(incident=incident, at=at)
    return incident


def _title(root_asset: Asset, impact: str, monitors: Iterable[Monitor]) -> str:
    """The stored title, in English (messages and pages word it in each reader's language)."""
    if impact == Impact.OUTAGE:
        return f"{root_asset.name} unreachable"
    what = ", ".join(m.key for m in monitors)
    return f"{root_asset.name}: {what} failed" if impact == Impact.JOB else f"{root_asset.name} degraded: {what}"


def incident_confirm(*, incident: Incident, at: dt.datetime | None = None) -> None:
    """Tell staff and every affected customer not yet told that the incident is open."""
    at = at or timezone.now()
    with transaction.atomic():
        incident_lock()
        if incident.confirmed_at is None:
            incident.confirmed_at = at
            incident.save(update_fields=["confirmed_at"])
        _tell_opened(incident, at)


def incident_join(
    *, incident: Incident, monitors: Iterable[Monitor] = (), assets: Iterable[Asset] = (),
    customers: Iterable[Customer] = (), at: dt.datetime | None = None, graph: g.Graph | None = None,
) -> list[Customer]:
    """Add monitors, assets (with everything that depends on them) and customers; returns the new customers.

    New customers of a confirmed incident are told of the opening now, and only they.
    """
    at = at or timezone.now()
    monitors, assets = list(monitors), list(assets)
    with transaction.atomic():
        incident_lock()
        if incident.status == Status.RESOLVED:
            raise Invalid("incident", f"incident {incident.pk} is resolved")
        incident.monitors.add(*monitors)
        asset_ids = {a.pk for a in assets} | {m.asset_id for m in monitors}
        asset_ids -= set(incident.assets.filter(pk__in=asset_ids).values_list("pk", flat=True))
        if asset_ids and incident.impact != Impact.OUTAGE:
            incident.assets.add(*asset_ids)
        elif asset_ids:
            graph = graph or g.graph_load()
            incident.assets.add(*g.touched(graph, asset_ids))
        # An outage's customers are the owners of its assets: without new assets or customers there are none new
        # (in a storm, the sites joining their server's incident one by one would each re-read them all).
        news = asset_ids or customers or incident.impact != Impact.OUTAGE
        new = _add_affected(incident, {c.pk for c in customers}, at) if news else []
        if monitors:
            incident_recheck_stable(incident=incident, at=at, joined=monitors)
        if new and incident.confirmed_at is not None:
            _tell_opened(incident, at)
    return new


def _add_affected(incident: Incident, customer_ids: set[int], at: dt.datetime) -> list[Customer]:
    """An outage affects the owners of every asset it touches; a job or a degradation only the owners of
    the assets whose monitors say to tell them (``tell_customer``)."""
    if incident.impact == Impact.OUTAGE:
        owners = set(incident.assets.exclude(customer=None).values_list("customer_id", flat=True))
    else:
        told = incident.monitors.filter(tell_customer=True).exclude(asset__customer=None)
        owners = set(told.values_list("asset__customer_id", flat=True))
    have = set(incident.affected.values_list("customer_id", flat=True))
    new_ids = sorted((owners | customer_ids) - have)
    AffectedCustomer.objects.bulk_create(
        [AffectedCustomer(incident=incident, customer_id=c, started_at=at) for c in new_ids]
    )
    return list(Customer.objects.filter(pk__in=new_ids).order_by("id"))


def _tell_opened(incident: Incident, at: dt.datetime) -> None:
    """The opening to the customers not yet told (and the staff alert, whose keys make it once only)."""
    untold = incident.affected.filter(notified_at=None)
    customers = list(Customer.objects.filter(pk__in=untold.values("customer_id")).order_by("id"))
    outbox_enqueue(messages=messages.incident_opened(incident, customers=customers))
    untold.update(notified_at=at)


def incident_recheck_stable(*, incident: Incident, at: dt.datetime, joined: Iterable[Monitor] = ()) -> bool:
    """Start the stable period when every monitor of the incident is up again, end it when one is not.

    A monitor JOINED just now that is not up settles it without reading the incident's other monitors."""
    if any(m.state not in RECOVERED for m in joined):
        recovered = False
    else:
        states = list(incident.monitors.values_list("state", flat=True))
        recovered = bool(states) and all(s in RECOVERED for s in states)
    since = (incident.stable_since or at) if recovered else None
    if since != incident.stable_since:
        incident.stable_since = since
        incident.save(update_fields=["stable_since"])
    return recovered


def incident_merge(*, child: Incident, parent: Incident, at: dt.datetime | None = None) -> None:
    """CHILD's failure turned out to be PARENT's: everything moves to PARENT, CHILD is closed quietly.

    Customers keep when they were told, so nobody hears of the same outage opening twice.
    """
    at = at or timezone.now()
    if child.pk == parent.pk:
        raise Invalid("parent", "an incident cannot be merged into itself")
    with transaction.atomic():
        incident_lock()
        for inc in (child, parent):
            if inc.status == Status.RESOLVED:
                raise Invalid("incident", f"incident {inc.pk} is resolved")
        _move_affected(child, parent)
        parent.monitors.add(*child.monitors.all())
        parent.assets.add(*child.assets.all())
        child.monitors.clear()
        child.assets.clear()
        child.merged_into, child.status, child.resolved_at, child.stable_since = parent, Status.RESOLVED, at, None
        child.save(update_fields=["merged_into", "status", "resolved_at", "stable_since"])
        Update.objects.create(incident=child, at=at, status=Status.RESOLVED, public=False,
                              message=f"Merged into incident {parent.pk}: {parent.title}")
        Update.objects.create(incident=parent, at=at, status=parent.status, public=False,
                              message=f"Incident {child.pk} merged in: {child.title}")
        incident_recheck_stable(incident=parent, at=at)
        if parent.confirmed_at is not None:
            _tell_opened(parent, at)


def _move_affected(child: Incident, parent: Incident) -> None:
    existing = {row.customer_id: row for row in parent.affected.all()}
    for row in child.affected.all():
        mine = existing.get(row.customer_id)
        if mine is None:
            row.incident = parent
            row.save(update_fields=["incident"])
            continue
        mine.started_at = min(mine.started_at, row.started_at)
        told = [t for t in (mine.notified_at, row.notified_at) if t]
        mine.notified_at = min(told) if told else None
        mine.save(update_fields=["started_at", "notified_at"])
        row.delete()


def incident_post_update(
    *, incident: Incident, author: StaffProfile | None, status: str, public: bool = True, template: str = "",
    message: str = "", language: str = "", at: dt.datetime | None = None,
) -> Update:
    """A timeline entry. Public: staff and the affected customers are told; internal: staff only.

    ``status`` resolved resolves the incident. A held incident is confirmed before a public update,
    so customers hear of the opening before they hear news of it.
    """
    _check_update(incident, status, template, message, language)
    if status == Status.RESOLVED:
        return incident_resolve(incident=incident, author=author, message=message, language=language, at=at)
    at = at or timezone.now()
    with transaction.atomic():
        incident_lock()
        _still_open(incident)
        if public and incident.confirmed_at is None:
            incident_confirm(incident=incident, at=at)
        update = _record(incident, author, status, public, template or "", message, language, at)
        incident.status = status
        if public:
            incident.last_public_update_at = at
        incident.save(update_fields=["status", "last_public_update_at"])
        outbox_enqueue(messages=messages.incident_updated(incident, update))
    return update


def _check_update(incident: Incident, status: str, template: str, message: str, language: str) -> None:
    if incident.status == Status.RESOLVED:
        raise Invalid("incident", f"incident {incident.pk} is resolved")
    if status not in Status.values:
        raise Invalid("status", f"must be one of {', '.join(Status.values)}, not {status!r}")
    if template and template not in TEMPLATES:
        raise Invalid("template", f"must be one of {', '.join(TEMPLATES)}, not {template!r}")
    if language and language not in LANGUAGES:
        raise Invalid("language", f"must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if not template and not message.strip():
        raise Invalid("message", "write a message or choose a template")


def _record(
    incident: Incident, author: StaffProfile | None, status: str, public: bool, template: str, message: str,
    language: str, at: dt.datetime,
) -> Update:
    if message and not language:
        language = (author.language if author else None) or Provider.get().language
    return Update.objects.create(
        incident=incident, at=at, status=status, public=public, author=author,
        author_name=author.name if author else "", template=template, message=message.strip(), language=language,
    )


def incident_reassign(*, incident: Incident, owner: StaffProfile | None) -> Incident:
    with transaction.atomic():
        incident_lock()
        incident.owner = owner
        incident.save(update_fields=["owner"])
    return incident


def incident_resolve(
    *, incident: Incident, author: StaffProfile | None = None, message: str = "", language: str = "",
    at: dt.datetime | None = None,
) -> Update:
    """Close the incident at AT: every affected customer's outage ends then (their own duration)."""
    at = at or timezone.now()
    if incident.status == Status.RESOLVED:
        raise Invalid("incident", f"incident {incident.pk} is resolved")
    if language and language not in LANGUAGES:
        raise Invalid("language", f"must be one of {', '.join(LANGUAGES)}, not {language!r}")
    with transaction.atomic():
        incident_lock()
        _still_open(incident)
        update = _record(incident, author, Status.RESOLVED, True, "resolved", message, language, at)
        incident.status, incident.resolved_at, incident.stable_since = Status.RESOLVED, at, None
        incident.last_public_update_at = at
        incident.save(update_fields=["status", "resolved_at", "stable_since", "last_public_update_at"])
        incident.affected.filter(resolved_at=None).update(resolved_at=at)
        if incident.confirmed_at is not None:
            outbox_enqueue(messages=messages.incident_resolved(incident))
    return update


def incident_remind(*, incident: Incident, at: dt.datetime) -> None:
    """Remind the owner that customers have heard nothing for the provider's ``update_every``."""
    with transaction.atomic():
        incident_lock()
        outbox_enqueue(messages=messages.incident_reminder(incident, now=at))
        incident.reminded_at = at
        incident.save(update_fields=["reminded_at"])

