"""What each message template receives: plain dicts, already worded in the reader's language.

Templates are ``messages/<lang>/<name>.txt`` (``custode.incidents.templating``). They receive:

- every template: ``provider`` {name, phone, email, url}, ``recipient`` {name}, ``signer`` {name, phone,
  person} (person is False when the provider signs because nobody owns the incident), ``tz`` (the zone as
  the reader calls it: "ora Italia", "Italy Time", "hora de Italia");
- customer incident templates: ``customer`` {name}; ``services`` [{name, kind}], that customer's affected
  assets and only theirs; ``services_inline`` (the names joined in the reader's language), ``count``,
  ``sites_only``; ``cause``: what failed when it is not theirs to name ("server", "network", "database",
  "storage", "mail", "other"), "own" with ``cause_name`` when it is one of their assets, "" when there is
  nothing more to say; ``cause_text``: ``_cause.txt`` rendered with those ("un guasto al server che ospita
  i Suoi siti"); ``started``/``ended`` {time, day}, ``same_day``, ``duration``; ``next_update``
  ("30 minuti"); ``status_url``; ``impact`` (outage, degraded or job: customer_job_opened and
  customer_job_resolved tell of the last two); ``update`` {text, author, time, status} in customer_update; ``summary``
  (what the resolver wrote) in customer_resolved;
- staff templates: ``incident`` {id, title, status, impact, root, root_key, root_kind, reason, monitors, customers,
  customer_names (the first five), more_customers, owner, started}, the title Custode wrote and the check's
  reason in the reader's language, ``url``, and where they apply
  ``update``, ``duration``, ``silence``/``since``/``every`` (staff_reminder) or ``failed`` (staff_failed);
- maintenance templates: ``window`` {title, start, end, same_day}, ``services``, ``services_inline``,
  ``count``, ``sites_only``, ``status_url``;
- subscriber templates (the public page's subscribers): ``page`` {title, url}, ``unsubscribe_url``;
  ``incident`` {title, status} as the public page titles it, ``services``/``services_inline``/``count`` of
  the public components it touches, ``started``/``ended``, ``same_day``, ``duration``, ``update`` and
  ``summary`` as for customers; subscriber_confirm has ``confirm_url``, ``webhook``, ``address``,
  ``components`` and ``components_inline`` (the names chosen; empty for all); subscriber_maintenance_*
  have ``window`` and ``services``/``services_inline``/``count`` of the window's public components, as the
  maintenance templates, with ``page`` in place of ``status_url``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from custode.assets.models import Asset
from custode.directory.models import Customer, Provider, StaffProfile
from custode.checks import reasons
from custode.incidents import templating, titles, wording
from custode.incidents.models import AffectedCustomer, Incident, Update
from custode.lib.links import status_url
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor
from custode.notify.models import Channel
from custode.notify.recipients import Recipient

_CAUSES = {"server": "server", "vm": "server", "network": "network", "firewall": "network",
           "database": "database", "nas": "storage", "mail": "mail"}


def common(provider: Provider, r: Recipient, signer: dict) -> dict:
    return {
        "provider": {"name": provider.name, "phone": provider.contact_phone, "email": provider.contact_email,
                     "url": provider.contact_url or ""},
        "recipient": {"name": r.name}, "signer": signer, "language": r.language,
        "tz": wording.zone_name(wording.zone(provider.timezone), r.language),
    }


def signer_of(staff: StaffProfile | None, provider: Provider) -> dict:
    """A person signs, with their own phone: the owner; only when nobody owns it, the provider."""
    if staff is not None:
        return {"name": staff.name, "phone": staff.phone or "", "person": True}
    return {"name": provider.name, "phone": provider.contact_phone, "person": False}


def update_signer(update: Update, provider: Provider) -> dict | None:
    """The update's author signs it; an update nobody wrote is signed as the incident is."""
    if update.author is not None:
        return signer_of(update.author, provider)
    if update.author_name:
        return {"name": update.author_name, "phone": "", "person": True}
    return None


def customer_incident(incident: Incident, row: AffectedCustomer, assets: list[Asset], provider: Provider,
                      language: str) -> dict:
    tz = wording.zone(provider.timezone)
    started = row.started_at or incident.opened_at
    ended = row.resolved_at or incident.resolved_at
    cause, cause_name = _cause(incident, row.customer, assets)
    services = services_of(assets, language)
    return {
        **services, "customer": {"name": row.customer.name}, "impact": incident.impact,
        "cause": cause, "cause_name": cause_name,
        "cause_text": templating.phrase("_cause", language, {**services, "cause": cause, "cause_name": cause_name}),
        "started": when(started, tz, language), "ended": when(ended, tz, language) if ended else None,
        "same_day": wording.same_day(started, ended, tz) if ended else True,
        "duration": span(started, ended, language),
        "next_update": wording.duration(provider.update_every, language),
        "status_url": status_url(row.customer),
    }


def public_incident(incident: Incident, shown: list[Asset], visible: set[int], provider: Provider,
                    language: str) -> dict:
    """What the public page's subscribers are told: SHOWN are the public components the incident touches."""
    tz = wording.zone(provider.timezone)
    started, ended = incident.opened_at, incident.resolved_at
    return {
        **services_of(shown, language),
        "incident": {"title": public_title(incident, visible, language), "status": incident.status},
        "started": when(started, tz, language), "ended": when(ended, tz, language) if ended else None,
        "same_day": wording.same_day(started, ended, tz) if ended else True,
        "duration": span(started, ended, language), "update": {},
    }


def services_of(assets: list[Asset], language: str) -> dict:
    return {
        "services": [{"name": a.name, "kind": wording.kind(a.kind, language)} for a in assets],
        "services_inline": wording.join([a.name for a in assets], language), "count": len(assets),
        "sites_only": bool(assets) and all(a.kind == "website" for a in assets),
    }


def _cause(incident: Incident, customer: Customer, assets: list[Asset]) -> tuple[str, str]:
    """What to say failed, without naming what belongs to the provider or to another customer."""
    root = incident.root_asset
    if root is None:
        return "", ""
    if root.customer_id == customer.pk:
        return ("own", root.name) if len(assets) > 1 else ("", "")
    return _CAUSES.get(root.kind, "other"), ""


def staff_facts(incident: Incident) -> dict:
    """What staff are told, read once per call whatever the number of staff targets."""
    names = list(Customer.objects.filter(pk__in=incident.affected.values("customer_id"))
                 .order_by("name").values_list("name", flat=True))
    return {"assets": list(incident.assets.order_by("name", "key")), "monitors": incident.monitors.count(),
            "customers": names, "reason": _reason(incident)}


def staff_incident(incident: Incident, facts: dict, provider: Provider, language: str) -> dict:
    tz = wording.zone(provider.timezone)
    root = incident.root_asset
    names = facts["customers"]
    shown = wording.join(names, language) if len(names) <= 5 else ", ".join(names[:5])
    return {
        "incident": {
            "id": incident.pk, "title": titles.say(incident.title, language), "status": incident.status,
            "impact": incident.impact,
            "root": root.name if root else "", "root_key": root.key if root else "",
            "root_kind": wording.kind(root.kind, language) if root else "",
            "reason": reasons.say(facts["reason"], language),
            "monitors": facts["monitors"], "customers": len(names), "customer_names": shown,
            "more_customers": max(len(names) - 5, 0),
            "owner": incident.owner.name if incident.owner else "",
            "started": when(incident.opened_at, tz, language),
        },
        "url": incident_url(incident.pk),
    }


def _reason(incident: Incident) -> str:
    """Why the root cause is down, as its monitor last said (else any of the incident's monitors)."""
    mine = Monitor.objects.filter(asset_id=incident.root_asset_id).exclude(last_reason="")
    for rows in (mine.filter(incidents=incident), mine, incident.monitors.exclude(last_reason="")):
        reason = rows.order_by("id").values_list("last_reason", flat=True).first()
        if reason:
            return reason
    return ""


JOB_OUTPUT_SHOWN = 500  # characters of a job's last output quoted in the staff alert: its end, where it says why


def job_outputs(incident: Incident) -> list[dict]:
    """staff_opened's ``jobs`` (``_job_output.txt``): each heartbeat (push monitor) of the incident, by key, with
    the end of the last output its job sent: {monitor, asset, lines, cut (the start was left out), shown}."""
    jobs = []
    for monitor in incident.monitors.filter(type="push").select_related("asset").order_by("key"):
        output = monitor.last_ping_body.strip()
        jobs.append({"monitor": monitor.key, "asset": monitor.asset.name, "shown": JOB_OUTPUT_SHOWN,
                     "lines": output[-JOB_OUTPUT_SHOWN:].splitlines(), "cut": len(output) > JOB_OUTPUT_SHOWN})
    return jobs


def update_of(update: Update, provider: Provider, language: str) -> dict:
    tz = wording.zone(provider.timezone)
    author = update.author_name or (update.author.name if update.author else "")
    return {"text": update_text(update, language), "author": author, "time": wording.clock(update.at, tz),
            "status": update.status, "public": update.public}


def public_title(incident: Incident, visible: set[int] | frozenset[int], language: str, *,
                 stock_only: bool = False) -> str:
    """The title a reader outside the provider sees, in their language: "X unreachable" when they may see X,
    "Service disruption" when the cause is outside VISIBLE (the asset ids they may see) or gone. STOCK_ONLY
    readers (customers) never read what staff typed; the public page does."""
    root = incident.root_asset
    with translation.override(language):
        if root is None or root.pk not in visible:
            return gettext("Service disruption")
        if stock_only or incident.title == f"{root.name} unreachable":
            return gettext("%(name)s unreachable") % {"name": root.name}
        return incident.title


def window_title(window: MaintenanceWindow, language: str) -> str:
    titles = window.title if isinstance(window.title, dict) else {}
    return titles.get(language) or titles.get("en") or next((t for t in titles.values() if t), window.key)


def when(moment: dt.datetime, tz, language: str) -> dict:
    return {"time": wording.clock(moment, tz), "day": wording.day(moment, tz, language)}


def span(start: dt.datetime, end: dt.datetime | None, language: str) -> str:
    return wording.duration((end - start).total_seconds(), language) if end else ""


def incident_url(incident_id) -> str:
    return f"{settings.BASE_URL}/incidents/{incident_id}/"


def checks_in_error_url() -> str:
    """The dashboard's list of monitors whose checks Custode cannot run."""
    return f"{settings.BASE_URL}/?state=error"


def shown_address(channel: str, address: str) -> str:
    """An address fit to show: e-mail as it is, a URL without its secrets (Apprise URLs carry tokens)."""
    if channel == Channel.EMAIL:
        return address
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme else channel


def update_text(update: Update, language: str) -> str:
    """What UPDATE says to a reader of LANGUAGE: the author's words, or the stock text in the reader's language.

    Words that are the stock text unchanged count as the stock text, so each reader gets their own language.
    """
    if update.template and (not update.message or update.message == stock_text(update.template, update.language)):
        return stock_text(update.template, language)
    return titles.say(update.message, language)


def stock_text(template: str, language: str) -> str:
    """The ready-made update text for investigating, identified, monitoring or resolved."""
    return templating.phrase("_stock_update", language, {"template": template})
