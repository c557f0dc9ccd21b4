"""Announced maintenance windows are sent ahead, at start and at end, each exactly once."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents.tests.world import T0, build, run
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def phases(window):
    window.refresh_from_db()
    return sorted(window.notices)


def test_an_announced_window_is_sent_a_day_ahead_at_start_and_at_end_once_each():
    world = build(sites=4, customers=2)
    window = factories.maintenance(world.server, start=T0 + 48 * H, duration=7200, announce=True)
    run(T0)
    run(T0 + 23 * H)
    assert phases(window) == []
    run(T0 + 24 * H)
    run(T0 + 25 * H)
    assert phases(window) == ["announce"]
    run(T0 + 48 * H)
    assert phases(window) == ["announce", "start"]
    run(T0 + 50 * H)
    run(T0 + 51 * H)
    assert phases(window) == ["announce", "end", "start"]
    assert set(window.notices.values()) == {window.start.isoformat()}
    sent = Message.objects.filter(topic=f"maintenance:{window.pk}")
    for phase in ("announce", "start", "end"):
        told = sent.filter(key__startswith=f"maintenance:{window.pk}:{phase}:")
        assert sorted(told.values_list("customer_id", flat=True)) == sorted(c.pk for c in world.customers)
    assert not sent.filter(customer=world.outsider).exists()


def test_a_window_not_announced_sends_nothing():
    world = build(sites=2, customers=1)
    window = factories.maintenance(world.server, start=T0 + H, duration=3600)
    run(T0 + 2 * H)
    assert phases(window) == []
    assert not Message.objects.exists()


def test_a_window_seen_only_after_it_started_is_not_announced_late_nor_ended_without_a_start():
    world = build(sites=2, customers=1)
    late = factories.maintenance(world.server, start=T0 - H / 2, duration=3600, announce=True)
    gone = factories.maintenance(world.server, start=T0 - 3 * H, duration=3600, announce=True)
    run(T0)
    assert phases(late) == ["start"]
    assert phases(gone) == []


def test_a_rescheduled_window_is_announced_again():
    world = build(sites=2, customers=1)
    window = factories.maintenance(world.server, start=T0 + 2 * H, duration=3600, announce=True)
    run(T0)
    assert phases(window) == ["announce"]
    window.start = T0 + 30 * H
    window.save()
    run(T0 + H)
    assert phases(window) == ["announce"] and window.notices["announce"] == (T0 + 2 * H).isoformat()
    run(T0 + 6 * H)
    window.refresh_from_db()
    assert window.notices["announce"] == window.start.isoformat()
