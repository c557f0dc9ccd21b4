"""Who hears of what on the public status page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

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
