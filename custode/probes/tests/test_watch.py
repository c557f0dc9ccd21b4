"""A probe not heard from for 60 s is one staff alert, in each one's language and on each channel, and one more
when it is back; its monitors keep their states meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.monitors.models import Monitor
from custode.notify.models import Message
from custode.probes.models import Probe
from custode.probes.watch import probes_watch
from custode.testing import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 4, 13, 5, tzinfo=dt.UTC)  # 14:05 in Rome


@pytest.fixture
def probe():
    factories.provider(timezone="Europe/Rome")
    factories.staff("giulia", language="it", notify=["email", "webhook+https://hooks.example.net/custode"])
    factories.staff("ana", language="es")
    factories.staff("tom", language="en")
    factories.monitor("site-http", locations=["milan"], state="up")
    probe = factories.probe("milan")[0]
    Probe.objects.filter(pk=probe.pk).update(last_seen_at=T0)
    return probe


def seen(probe: Probe, at: dt.datetime) -> None:
    Probe.objects.filter(pk=probe.pk).update(last_seen_at=at)


def test_a_silent_probe_is_one_alert_to_each_staff_channel_however_often_it_is_looked_at(probe):
    assert probes_watch(now=T0 + dt.timedelta(seconds=59)) == 0
    assert probes_watch(now=T0 + dt.timedelta(seconds=61)) == 4
    assert probes_watch(now=T0 + dt.timedelta(minutes=10)) == 0
    subjects = set(Message.objects.values_list("subject", flat=True))
    assert subjects == {"Probe milan silent since 14:05", "La sonda milan tace dalle 14:05",
                        "La sonda milan no da señales desde las 14:05"}
    body = Message.objects.get(recipient="tom@example.com").body
    assert "Its one monitor gets no results until it is back: it is not marked DOWN meanwhile" in body
    assert "Il suo unico monitor resta senza risultati" in Message.objects.get(recipient="giulia@example.com").body
    assert Monitor.objects.get().state == "up"


def test_the_webhook_document_is_probe_silent_then_probe_back(probe):
    probes_watch(now=T0 + dt.timedelta(minutes=2))
    seen(probe, T0 + dt.timedelta(minutes=7))
    assert probes_watch(now=T0 + dt.timedelta(minutes=7)) == 4
    hooks = Message.objects.filter(channel="webhook").order_by("id")
    assert [h.payload["event"] for h in hooks] == ["probe.silent", "probe.back"]
    assert hooks[1].payload["probe"] == {"name": "milan", "silent_since": T0.isoformat(),
                                         "back_at": (T0 + dt.timedelta(minutes=7)).isoformat()}
    back = Message.objects.get(recipient="tom@example.com", subject="Probe milan is back")
    assert "silent from 14:05 to 14:12" in back.body


def test_a_probe_back_and_silent_again_is_told_again(probe):
    probes_watch(now=T0 + dt.timedelta(minutes=2))
    seen(probe, T0 + dt.timedelta(minutes=3))
    probes_watch(now=T0 + dt.timedelta(minutes=3))
    assert probes_watch(now=T0 + dt.timedelta(minutes=5)) == 4
    assert Message.objects.filter(recipient="tom@example.com").count() == 3


def test_a_probe_never_heard_from_or_revoked_is_not_watched(probe):
    Probe.objects.filter(pk=probe.pk).update(last_seen_at=None)
    assert probes_watch(now=T0 + dt.timedelta(hours=1)) == 0
    seen(probe, T0)
    Probe.objects.filter(pk=probe.pk).update(revoked_at=T0)
    assert probes_watch(now=T0 + dt.timedelta(hours=1)) == 0
