"""What Custode tells people about incidents and maintenance: one ``Outgoing`` per recipient and channel.

Nothing here writes: callers hand the result to ``custode.notify.services.outbox_enqueue`` inside the
transaction that records the event. Each message's ``key`` names event, recipient, channel and address
(``incident:{id}:{event}:{ident}:{channel}:{address}``, see ``_key`` for long ones), so the same call twice
yields the same keys and the outbox keeps one of each. Customers are told only of their own assets; a
webhook receives the same text as a JSON document (README, "Webhooks"). The texts are templates a
provider can override (``custode.incidents.templating``); what they receive is in
``custode.incidents.contexts``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import replace
from collections.abc import Callable, Iterable

from custode.assets.models import Asset
from custode.directory.models import Customer, Provider
from custode.incidents import contexts, graph, templating, wording
from custode.incidents.contexts import stock_text, update_text  # noqa: F401  (part of this module's surface)
from custode.incidents.models import AffectedCustomer, Incident, Update
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Impact
from custode.notify.models import Audience, Channel, Message
from custode.notify.outgoing import Outgoing
from custode.results.models import StateChange
from custode.notify.recipients import Recipient, contact_recipients, staff_recipients
from custode.subscriptions import notices
from custode.subscriptions import selectors as subscriptions

log = logging.getLogger(__name__)

PHASES = ("announce", "start", "end")
_PHASE_EVENTS = {"announce": "maintenance.announced", "start": "maintenance.started", "end": "maintenance.ended"}


def incident_opened(incident: Incident, *, customers: Iterable | None = None) -> list[Outgoing]:
    """The staff alert, and the opening message to every contact of CUSTOMERS (default: all affected).

    CUSTOMERS may hold Customer or AffectedCustomer rows or customer ids; an empty list tells staff only.
    """
    provider = Provider.get()
    jobs = contexts.job_outputs(incident)
    out = _to_staff(incident, provider, "opened", _told_as(incident, "staff_opened"), "incident.opened",
                    lambda language: {"jobs": jobs})
    theirs = affected_assets(incident)
    for row in _affected(incident, customers):
        out += _to_customer(incident, row, theirs.get(row.customer_id, []), provider, "opened",
                            _told_as(incident, "customer_opened"), "incident.opened")
    return out + _to_subscribers(incident, provider, "opened", "subscriber_opened", "incident.opened")


def _told_as(incident: Incident, template: str) -> str:
    """An outage's template, or its ``*_job_*`` twin for a failed job or a degradation: the asset still serves."""
    return template if incident.impact == Impact.OUTAGE else template.replace("_", "_job_", 1)


def incident_updated(incident: Incident, update: Update) -> list[Outgoing]:
    """A public update to staff and every affected customer; an internal one to staff only."""
    provider = Provider.get()

    def extra(language: str) -> dict:
        return {"update": contexts.update_of(update, provider, language)}

    event, signer = f"update:{update.pk}", contexts.update_signer(update, provider)
    out = _to_staff(incident, provider, event, "staff_update", "incident.updated", extra, update=update)
    if update.public:
        theirs = affected_assets(incident)
        for row in _affected(incident, None):
            out += _to_customer(incident, row, theirs.get(row.customer_id, []), provider, event, "customer_update",
                                "incident.updated", extra, signer=signer, update=update)
        out += _to_subscribers(incident, provider, event, "subscriber_update", "incident.updated", extra,
                               signer=signer, update=update)
    return out


def incident_resolved(incident: Incident) -> list[Outgoing]:
    """Staff and every affected customer: it is over, and how long it lasted for each of them."""
    provider = Provider.get()
    closing = incident.updates.filter(public=True).exclude(message="").order_by("at", "id").last()

    def staff(language: str) -> dict:
        return {"duration": contexts.span(incident.opened_at, incident.resolved_at, language)}

    def customer(language: str) -> dict:
        return {"summary": contexts.update_text(closing, language) if closing and closing.status == "resolved" else ""}

    out = _to_staff(incident, provider, "resolved", "staff_resolved", "incident.resolved", staff)
    theirs = affected_assets(incident)
    for row in _affected(incident, None):
        out += _to_customer(incident, row, theirs.get(row.customer_id, []), provider, "resolved",
                            _told_as(incident, "customer_resolved"), "incident.resolved", customer)
    return out + _to_subscribers(incident, provider, "resolved", "subscriber_resolved", "incident.resolved", customer)


def incident_reminder(incident: Incident, *, now: dt.datetime) -> list[Outgoing]:
    """The owner: customers have had no news for ``update_every``. Every staff member when nobody owns the
    incident or the owner has nowhere to be reached.

    The key counts ``update_every`` periods since the opening, so a reminder is written once per period.
    """
    provider = Provider.get()
    every = max(provider.update_every, 60)
    since = incident.last_public_update_at or incident.confirmed_at or incident.opened_at
    tz = wording.zone(provider.timezone)

    def extra(language: str) -> dict:
        silence = wording.duration((now - since).total_seconds(), language)
        return {"since": contexts.when(since, tz, language), "silence": silence,
                "every": wording.duration(every, language)}

    n = int((now - incident.opened_at).total_seconds() // every)
    only = {f"staff:{incident.owner_id}"} if incident.owner_id else None
    return _to_staff(incident, provider, f"reminder:{n}", "staff_reminder", "incident.reminder", extra, only=only)


def maintenance_notice(window: MaintenanceWindow, *, phase: str) -> list[Outgoing]:
    """Tell the contacts of every customer whose assets the window touches (its assets and what needs them),
    and the public page's subscribers to its public components (those the public page shows it on).

    Only announced windows are told about; PHASE is announce (ahead of time), start or end.
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}")
    if not window.announce:
        return []
    provider = Provider.get()
    assets = {a.pk for a in window.assets.all()}
    by_customer = _by_customer(graph.touched(graph.graph_load(), assets))
    out = []
    for customer in Customer.objects.filter(pk__in=by_customer).order_by("id"):
        out += _maintenance_to_customer(window, phase, customer, by_customer[customer.pk], provider)
    return out + _maintenance_to_subscribers(window, phase, assets, provider)


def delivery_failed(message: Message) -> list[Outgoing]:
    """Staff: a message could not be delivered for good. Never about a failure alert itself (no loops)."""
    if message.key.startswith("failed:"):
        return []
    provider = Provider.get()
    failed = {
        "to": message.recipient_name or contexts.shown_address(message.channel, message.recipient),
        "where": contexts.shown_address(message.channel, message.recipient), "channel": message.channel,
        "subject": message.subject, "attempts": message.attempts, "error": message.last_error,
        "customer": message.customer.name if message.customer_id else "", "topic": message.topic,
    }
    url = contexts.incident_url(message.topic.split(":", 1)[1]) if message.topic.startswith("incident:") else ""
    out = []
    for r in staff_recipients(provider=provider):
        if (r.channel, r.address) == (message.channel, message.recipient):
            continue
        context = {**contexts.common(provider, r, contexts.signer_of(None, provider)), "failed": failed, "url": url}
        subject, body = templating.render("staff_failed", r.language, context)
        payload = {"event": "message.failed", "message": {"id": message.pk, "key": message.key, **failed},
                   "customer": None, "text": {"subject": subject, "body": body}}
        out.append(_outgoing(f"failed:{message.pk}:{r.ident}:{r.channel}:{r.address}", r, Audience.STAFF,
                             subject, body, message.topic, None, payload))
    return out


def check_error(change: StateChange) -> list[Outgoing]:
    """Staff: Custode itself cannot run a monitor's check (a missing secret). Nothing is known of the target,
    so no customer hears of it; staff are told once per time the monitor goes into that state."""
    provider = Provider.get()
    monitor = change.monitor
    facts = {"monitor": monitor.key, "asset": monitor.asset.name, "reason": change.reason,
             "customer": monitor.asset.customer.name if monitor.asset.customer_id else ""}
    out = []
    for r in staff_recipients(provider=provider):
        context = {**contexts.common(provider, r, contexts.signer_of(None, provider)), "check": facts,
                   "url": contexts.checks_in_error_url()}
        subject, body = templating.render("staff_check_error", r.language, context)
        payload = {"event": "monitor.error", "monitor": {"id": monitor.key, "asset": monitor.asset.key,
                                                         "reason": change.reason, "at": _iso(change.at)},
                   "customer": None, "text": {"subject": subject, "body": body}}
        out.append(_outgoing(f"check-error:{change.pk}:{r.ident}:{r.channel}:{r.address}", r, Audience.STAFF,
                             subject, body, f"monitor:{monitor.key}", None, payload))
    return out


def affected_assets(incident: Incident) -> dict[int, list[Asset]]:
    """{customer id: their assets the incident touches}: theirs among its assets, and theirs that need its root."""
    ids = set(incident.assets.values_list("id", flat=True))
    if incident.root_asset_id and incident.impact == Impact.OUTAGE:
        ids |= graph.touched(graph.graph_load(), {incident.root_asset_id})
    return _by_customer(ids)


def _by_customer(asset_ids: set[int]) -> dict[int, list[Asset]]:
    out: dict[int, list[Asset]] = {}
    for asset in Asset.objects.filter(pk__in=asset_ids).exclude(customer=None).order_by("name", "key"):
        out.setdefault(asset.customer_id, []).append(asset)
    return out


# ---------------------------------------------------------------- recipients and outgoing rows


def _to_staff(incident: Incident, provider: Provider, event: str, template: str, webhook_event: str,
              extra: Callable[[str], dict] | None = None, *, only: set[str] | None = None,
              update: Update | None = None) -> list[Outgoing]:
    base, signer = contexts.staff_facts(incident), contexts.signer_of(incident.owner, provider)
    recipients = staff_recipients(provider=provider)
    if only:
        recipients = [r for r in recipients if r.ident in only] or recipients
    out, cache_ = [], {}
    for r in recipients:
        if r.language not in cache_:
            cache_[r.language] = {**contexts.staff_incident(incident, base, provider, r.language),
                                  **(extra(r.language) if extra else {})}
        context = {**cache_[r.language], **contexts.common(provider, r, signer)}
        subject, body = templating.render(template, r.language, context)
        payload = _incident_payload(incident, webhook_event, subject, body, customer=None, assets=base["assets"],
                                    root=incident.root_asset.key if incident.root_asset else None,
                                    title=context["incident"]["title"], url=context["url"], update=update,
                                    language=r.language)
        out.append(_outgoing(f"incident:{incident.pk}:{event}:{r.ident}:{r.channel}:{r.address}", r,
                             Audience.STAFF, subject, body, f"incident:{incident.pk}", None, payload))
    return out


def _to_customer(incident: Incident, row: AffectedCustomer, assets: list[Asset], provider: Provider, event: str,
                 template: str, webhook_event: str, extra: Callable[[str], dict] | None = None, *,
                 signer: dict | None = None, update: Update | None = None) -> list[Outgoing]:
    customer = row.customer
    signer = signer or contexts.signer_of(incident.owner, provider)
    root = incident.root_asset
    out, cache_ = [], {}
    for contact in customer.contacts.all():
        for r in contact_recipients(contact, provider=provider):
            if r.language not in cache_:
                cache_[r.language] = {**contexts.customer_incident(incident, row, assets, provider, r.language),
                                      **(extra(r.language) if extra else {})}
            context = {**cache_[r.language], **contexts.common(provider, r, signer)}
            subject, body = templating.render(template, r.language, context)
            payload = _incident_payload(
                incident, webhook_event, subject, body, customer=customer, assets=assets, title=subject,
                root=root.key if root and root.customer_id == customer.pk else None,
                url=context["status_url"], update=update if update and update.public else None, language=r.language,
            )
            out.append(_outgoing(f"incident:{incident.pk}:{event}:{r.ident}:{r.channel}:{r.address}", r,
                                 Audience.CUSTOMER, subject, body, f"incident:{incident.pk}", customer.pk, payload))
    return out


def _to_subscribers(incident: Incident, provider: Provider, event: str, template: str, webhook_event: str,
                    extra: Callable[[str], dict] | None = None, *, signer: dict | None = None,
                    update: Update | None = None) -> list[Outgoing]:
    """The public page's subscribers to what the incident touches: what the public page says, no more.
    An outage only: a failed job or a degradation is the provider's to handle, not the public's news."""
    if incident.impact != Impact.OUTAGE:
        return []
    public = _public_ids()
    shown_ids = public & (set(incident.assets.values_list("id", flat=True)) | {incident.root_asset_id})
    subscribers = subscriptions.subscribers_for(shown_ids)
    if not subscribers:
        return []
    shown = list(Asset.objects.filter(pk__in=shown_ids).order_by("name", "key"))
    url = notices.page_url(provider)

    def facts(language: str) -> dict:
        return {**contexts.public_incident(incident, shown, public, provider, language),
                **(extra(language) if extra else {})}

    def payload(context: dict, subject: str, body: str) -> dict:
        return _incident_payload(incident, webhook_event, subject, body, customer=None, assets=shown,
                                 root=incident.root_asset.key if incident.root_asset_id in public else None,
                                 title=context["incident"]["title"], url=url,
                                 update=update if update and update.public else None, language=context["language"])

    return _to_subscribed(subscribers, provider, template, f"incident:{incident.pk}:{event}", f"incident:{incident.pk}",
                          signer or contexts.signer_of(incident.owner, provider), facts, payload)


def _maintenance_to_subscribers(window: MaintenanceWindow, phase: str, asset_ids: set[int],
                                provider: Provider) -> list[Outgoing]:
    """The public page's subscribers to the window's public components: those the public page shows it on
    (its own assets, not what depends on them), so a window on customers' or internal assets tells nobody."""
    shown_ids = _public_ids() & asset_ids
    subscribers = subscriptions.subscribers_for(shown_ids)
    if not subscribers:
        return []
    shown = list(Asset.objects.filter(pk__in=shown_ids).order_by("name", "key"))
    tz, url = wording.zone(provider.timezone), notices.page_url(provider)

    def payload(context: dict, subject: str, body: str) -> dict:
        return _maintenance_payload(window, phase, context["window"]["title"], url, None, shown, subject, body)

    return _to_subscribed(subscribers, provider, f"subscriber_maintenance_{phase}", _maintenance_key(window, phase),
                          f"maintenance:{window.pk}", contexts.signer_of(None, provider),
                          lambda language: _window_facts(window, shown, tz, language), payload)


def _to_subscribed(subscribers: list, provider: Provider, template: str, key: str, topic: str, signer: dict,
                   facts: Callable[[str], dict], payload: Callable[[dict, str, str], dict]) -> list[Outgoing]:
    """One message per subscriber: TEMPLATE rendered with FACTS (once per language) and the public page, the
    webhook document PAYLOAD builds from the context, subject and body with its ``unsubscribe`` URL, and on
    e-mails the one-click unsubscribe headers. KEY is the event's part of the idempotency key."""
    url = notices.page_url(provider)
    out, cache_ = [], {}
    for subscriber in subscribers:
        r = notices.recipient(subscriber)
        if r.language not in cache_:
            cache_[r.language] = {**facts(r.language),
                                  "page": {"title": notices.page_title(provider, r.language), "url": url}}
        unsubscribe = notices.unsubscribe_url(subscriber, provider)
        context = {**cache_[r.language], **contexts.common(provider, r, signer), "unsubscribe_url": unsubscribe}
        subject, body = templating.render(template, r.language, context)
        message = _outgoing(f"{key}:{r.ident}:{r.channel}:{r.address}", r, Audience.SUBSCRIBER, subject, body,
                            topic, None, {**payload(context, subject, body), "unsubscribe": unsubscribe})
        if r.channel == Channel.EMAIL:
            message = replace(message, headers=notices.email_headers(subscriber, provider))
        out.append(message)
    return out


def _public_ids() -> set[int]:
    """The public page's components: the provider's assets marked public."""
    return set(Asset.objects.public().values_list("id", flat=True))


def _maintenance_to_customer(window: MaintenanceWindow, phase: str, customer: Customer, assets: list[Asset],
                             provider: Provider) -> list[Outgoing]:
    tz, signer = wording.zone(provider.timezone), contexts.signer_of(None, provider)
    url = contexts.status_url(customer)
    out = []
    for contact in customer.contacts.all():
        for r in contact_recipients(contact, provider=provider):
            context = {**contexts.common(provider, r, signer), **_window_facts(window, assets, tz, r.language),
                       "customer": {"name": customer.name}, "status_url": url}
            subject, body = templating.render(f"maintenance_{phase}", r.language, context)
            payload = _maintenance_payload(window, phase, context["window"]["title"], url, customer, assets,
                                           subject, body)
            out.append(_outgoing(f"{_maintenance_key(window, phase)}:{r.ident}:{r.channel}:{r.address}", r,
                                 Audience.CUSTOMER, subject, body, f"maintenance:{window.pk}", customer.pk, payload))
    return out


def _window_facts(window: MaintenanceWindow, assets: list[Asset], tz, language: str) -> dict:
    """What maintenance templates receive of the window and of ASSETS, in LANGUAGE, times in zone TZ."""
    return {
        **contexts.services_of(assets, language),
        "window": {"title": contexts.window_title(window, language), "start": contexts.when(window.start, tz, language),
                   "end": contexts.when(window.end, tz, language),
                   "same_day": wording.same_day(window.start, window.end, tz)},
    }


def _maintenance_payload(window: MaintenanceWindow, phase: str, title: str, url: str, customer: Customer | None,
                         assets: list[Asset], subject: str, body: str) -> dict:
    """The JSON a webhook receives of a window (README, "Webhooks"); a customer's holds only their assets."""
    return {
        "event": _PHASE_EVENTS[phase],
        "maintenance": {"id": window.key, "title": title, "start": _iso(window.start), "end": _iso(window.end),
                        "url": url},
        "customer": {"id": customer.key, "name": customer.name} if customer else None,
        "affected": _asset_list(assets),
        "text": {"subject": subject, "body": body},
    }


def _maintenance_key(window: MaintenanceWindow, phase: str) -> str:
    """Once per window, phase and start time: a moved window is told again."""
    return f"maintenance:{window.pk}:{phase}:{_iso(window.start)}"


def _outgoing(key: str, r: Recipient, audience: str, subject: str, body: str, topic: str,
              customer_id: int | None, payload: dict) -> Outgoing:
    """Only webhooks carry the JSON document; the other channels deliver subject and body."""
    return Outgoing(
        key=_key(key), audience=audience, channel=r.channel, recipient=r.address, language=r.language,
        subject=subject, body=body, recipient_name=r.name, topic=topic, customer_id=customer_id,
        payload=payload if r.channel == Channel.WEBHOOK else {},
    )


def _key(text: str) -> str:
    """Keys fit the outbox's 255 characters: a longer one keeps its head and hashes its tail."""
    if len(text) <= 255:
        return text
    return text[:214] + ":" + hashlib.sha1(text[214:].encode()).hexdigest()


def _affected(incident: Incident, customers: Iterable | None) -> list[AffectedCustomer]:
    rows = {row.customer_id: row for row in incident.affected.select_related("customer").order_by("customer_id")}
    if customers is None:
        return list(rows.values())
    out = []
    for item in customers:
        if isinstance(item, AffectedCustomer):
            out.append(item)
            continue
        customer = item if isinstance(item, Customer) else Customer.objects.get(pk=item)
        out.append(rows.get(customer.pk) or AffectedCustomer(incident=incident, customer=customer,
                                                             started_at=incident.opened_at))
    return out




def _incident_payload(incident: Incident, event: str, subject: str, body: str, *, customer: Customer | None,
                      assets: list[Asset], root: str | None, title: str, url: str, update: Update | None,
                      language: str) -> dict:
    """The JSON a webhook receives (README, "Webhooks"); a customer's holds only that customer's data."""
    payload = {
        "event": event,
        "incident": {"id": incident.pk, "title": title, "status": incident.status, "severity": incident.severity,
                     "opened_at": _iso(incident.opened_at), "resolved_at": _iso(incident.resolved_at),
                     "root_asset": root, "url": url},
        "customer": {"id": customer.key, "name": customer.name} if customer else None,
        "affected": _asset_list(assets),
        "text": {"subject": subject, "body": body},
    }
    if update is not None:
        payload["update"] = {"id": update.pk, "at": _iso(update.at), "status": update.status,
                             "public": update.public, "author": update.author_name,
                             "text": contexts.update_text(update, language)}
    return payload


def _asset_list(assets: list[Asset]) -> list[dict]:
    return [{"asset": a.key, "name": a.name, "kind": a.kind} for a in assets]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
