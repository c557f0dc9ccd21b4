"""Who hears of what on the public status page, and the list staff see of them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from custode.assets.models import Asset
from custode.lib.changes import Invalid
from custode.subscriptions.models import Subscriber


def subscribers_for(asset_ids: Iterable[int]) -> list[Subscriber]:
    """Confirmed subscribers who chose one of ASSET_IDS, or no component at all (everything), oldest first."""
    ids = list(asset_ids)
    if not ids:
        return []
    return list(
        Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at=None)
        .filter(Q(components__isnull=True) | Q(components__in=ids)).distinct().order_by("id")
    )


STATUSES = ("pending", "active", "unsubscribed")


def subscriber_status(subscriber: Subscriber) -> str:
    """``pending`` until the link is followed, ``active`` once it is, ``unsubscribed`` when it ended."""
    if subscriber.unsubscribed_at is not None:
        return "unsubscribed"
    return "active" if subscriber.confirmed_at is not None else "pending"


def subscribers_with_status(rows: QuerySet[Subscriber], status: str) -> QuerySet[Subscriber]:
    """ROWS in STATUS (one of ``STATUSES``); ``Invalid`` naming ``status`` for any other value."""
    if status == "unsubscribed":
        return rows.exclude(unsubscribed_at=None)
    if status in ("pending", "active"):
        return rows.filter(unsubscribed_at=None, confirmed_at__isnull=status == "pending")
    raise Invalid("status", f"unknown status {status!r}; one of {', '.join(STATUSES)}")


def subscriber_list(*, status: str | None = None, channel: str | None = None,
                    component: str | None = None) -> QuerySet[Subscriber]:
    """Every subscriber of the public page, newest first, with their components; each filter is optional.

    COMPONENT is an asset key: those who hear of it, because they chose it or chose nothing (everything).
    A value that names nothing is ``Invalid`` naming the filter, never an empty answer.
    """
    rows = Subscriber.objects.prefetch_related("components").order_by("-id")
    if status:
        rows = subscribers_with_status(rows, status)
    if channel:
        if channel not in Subscriber.Channel.values:
            raise Invalid("channel", f"unknown channel {channel!r}; one of {', '.join(Subscriber.Channel.values)}")
        rows = rows.filter(channel=channel)
    if component:
        asset = Asset.objects.filter(key=component, customer=None).first()
        if asset is None:
            raise Invalid("component", f"there is no component {component!r} on the public page")
        rows = rows.filter(Q(components__isnull=True) | Q(components=asset)).distinct()
    return rows
