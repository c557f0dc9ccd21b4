"""A status page as machines read it: the JSON summary, the Atom feed and a component's SVG badge."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext

from custode.status import labels
from custode.status.selectors import Component, IncidentView, MaintenanceView, PlanPromise, StatusPage

FEED_ENTRIES = 50


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def page_json(page: StatusPage, *, url: str) -> dict:
    """The summary documented in the README ("Status pages", JSON)."""
    provider = page.audience.provider
    private = {"plan": _plan(page.plan)} if page.audience.customer is not None else {}
    return {
        "page": {"title": labels.page_title(page), "url": url, "language": page.language,
                 "timezone": provider.timezone},
        **private,
        "state": page.state,
        "components": [_component(c, g.kind) for g in page.groups for c in g.components],
        "incidents": [_incident(i) for i in page.active],
        "maintenance": [_window(m) for m in page.maintenance],
        "contact": {"name": provider.name, "phone": provider.contact_phone or None,
                    "email": provider.contact_email or None, "url": provider.contact_url or None},
    }


def _plan(plan: PlanPromise | None) -> dict | None:
    if plan is None:
        return None
    return {"key": plan.key, "name": plan.name, "uptime_target": plan.uptime_target, "uptime_90d": plan.uptime,
            "met": plan.met}


def _component(component: Component, group: str) -> dict:
    return {"key": component.key, "name": component.asset.name, "group": group, "state": component.state,
            "uptime_90d": component.uptime, "checked_from": component.checked_from}


def _incident(view: IncidentView) -> dict:
    incident = view.incident
    return {
        "id": incident.pk, "title": view.title, "status": incident.status, "severity": incident.severity,
        "opened_at": _iso(incident.opened_at), "resolved_at": _iso(incident.resolved_at),
        "components": [a.key for a in view.components],
        "updates": [{"at": _iso(u.at), "status": u.status, "author": u.author, "text": u.text} for u in view.updates],
    }


def _window(view: MaintenanceView) -> dict:
    return {"key": view.window.key, "title": view.title, "start": _iso(view.window.start),
            "end": _iso(view.window.end), "in_progress": view.in_progress,
            "components": [a.key for a in view.components]}


def page_feed(page: StatusPage, incidents: list[IncidentView], *, url: str, feed_url: str) -> bytes:
    """Atom: one entry per incident, newest first, its public updates as the content."""
    with translation.override(page.language):
        feed = Atom1Feed(title=labels.page_title(page), link=url, feed_url=feed_url, language=page.language,
                         description="", feed_guid=feed_url)
        for view in incidents[:FEED_ENTRIES]:
            incident = view.incident
            latest = max([u.at for u in view.updates] + [incident.opened_at, incident.resolved_at or incident.opened_at])
            feed.add_item(
                title=f"{view.title} · {labels.incident_status(incident.status)}",
                link=f"{url}#incident-{incident.pk}",
                unique_id=f"{url}#incident-{incident.pk}",
                unique_id_is_permalink=False,
                description=_entry_html(view, page),
                pubdate=incident.opened_at,
                updateddate=latest,
                author_name=view.updates[0].author if view.updates and view.updates[0].author else None,
            )
        return feed.writeString("utf-8").encode()


def _entry_html(view: IncidentView, page: StatusPage) -> str:
    """The entry's summary as HTML: one paragraph per public update, newest first, then what it affects."""
    tz = labels.zone(page)
    paragraphs = [
        format_html("<p><strong>{}</strong> · {}{}</p><p>{}</p>", labels.incident_status(u.status),
                    labels.moment(u.at, tz), f" · {u.author}" if u.author else "", u.text)
        for u in view.updates
    ]
    if view.components:
        names = ", ".join(a.name for a in view.components)
        paragraphs.append(format_html("<p>{}</p>", gettext("Affected: %(names)s") % {"names": names}))
    return "".join(paragraphs) or format_html("<p>{}</p>", labels.incident_status(view.incident.status))


_COLOURS = {"up": "#1f7a3d", "degraded": "#9a6700", "down": "#b3261e", "maintenance": "#1f5fa8",
            "unknown": "#5f6368", "paused": "#5f6368"}


def badge_svg(component: Component, language: str) -> bytes:
    """A shields-style badge: the component's name, then its state in LANGUAGE on the state's colour."""
    with translation.override(language):
        label, value = component.asset.name, labels.component_state(component.state)
    left, right = _width(label), _width(value)
    colour = _COLOURS.get(component.state, _COLOURS["unknown"])
    title = escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left / 2}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(value)}</text></g></svg>'
    ).encode()


def _width(text: str) -> int:
    return 10 + round(6.5 * len(text))
