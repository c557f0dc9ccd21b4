"""Warranty and licence alerts to staff: at 90, 30 and 7 days and once expired, each once however often the check
runs; an acknowledged one says no more until its date changes; customers are never told."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from custode.assets import expiry_alerts
from custode.assets.expiries import expiry_acknowledge, expiry_items, stage_of
from custode.assets.models import ExpiryAlert, Licence
from custode.directory.models import Provider
from custode.notify.models import Message
from custode.notify.notifier import steps
from custode.notify.services import outbox_enqueue
from custode.testing import factories

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def world(db):
    factories.provider(timezone="Europe/Rome")
    factories.staff("ada", name="Ada", language="it")
    factories.staff("bob", name="Bob", language="en")
    bianchi = factories.customer("bianchi", name="Studio Bianchi")
    factories.contact(bianchi, email="anna@bianchi.example")
    return factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS ufficio",
                           warranty_until=TODAY + dt.timedelta(days=100))


def on(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ROME)


def run(day: dt.date, hour: int = 10) -> int:
    return expiry_alerts.expiry_alerts_write(now=on(day, hour))


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def told(name: str = "bob") -> list[Message]:
    return list(Message.objects.filter(recipient=f"{name}@example.com").order_by("id"))


def test_stages_are_90_30_and_7_days_before_and_expired_the_day_after():
    until = dt.date(2027, 3, 31)
    assert [stage_of(until, until - dt.timedelta(days=d)) for d in (91, 90, 31, 30, 8, 7, 0, -1, -400)] == [
        None, 90, 90, 30, 30, 7, 7, 0, 0]


def test_a_warranty_is_told_at_90_30_and_7_days_and_once_expired_each_once(world):
    sent = []
    for day in (days(n) for n in range(0, 130)):  # the check runs every hour: twice a day is enough to show it
        run(day, 9), run(day, 18)
        sent += [(day, m.subject) for m in told()[len(sent):]]
    assert [d for d, _ in sent] == [days(10), days(70), days(93), days(101)]
    assert [s for _, s in sent] == ["Warranties and licences to renew: 1"] * 3 + [
        "Warranties and licences to renew: 1 (1 expired)"]
    assert ExpiryAlert.objects.count() == 4
    assert list(ExpiryAlert.objects.order_by("-stage").values_list("stage", flat=True)) == [90, 30, 7, 0]


def test_a_stage_reached_at_midnight_is_told_in_the_morning_not_in_the_night(world):
    ninety_days_before = days(10)
    assert run(ninety_days_before, 0) == 0 and run(ninety_days_before, 7) == 0 and not told()
    assert run(ninety_days_before, 8) > 0
    assert [m.subject for m in told()] == ["Warranties and licences to renew: 1"]


def test_each_member_of_staff_is_told_in_their_language_and_no_customer_is(world):
    assert run(days(10)) == 2
    bob, ada = told("bob")[0], told("ada")[0]
    assert "2027-03-13, in 90 days · Studio Bianchi · NAS ufficio (bianchi-nas) · warranty" in bob.body
    assert ada.subject == "Garanzie e licenze da rinnovare: 1"
    assert "2027-03-13, tra 90 giorni · Studio Bianchi · NAS ufficio (bianchi-nas) · garanzia" in ada.body
    assert bob.body.rstrip().endswith("/warranties/")
    assert {m.audience for m in Message.objects.all()} == {"staff"}
    assert not Message.objects.filter(recipient="anna@bianchi.example").exists()


def test_spanish_staff_read_it_in_spanish(world):
    factories.staff("carmen", name="Carmen", language="es")
    world.warranty_until = days(-3)
    world.save()
    run(TODAY)
    carmen = told("carmen")[0]
    assert carmen.subject == "Garantías y licencias por renovar: 1 (1 vencida)"
    assert "VENCIDA el 2026-11-30 · Studio Bianchi · NAS ufficio (bianchi-nas) · garantía" in carmen.body


def test_an_asset_first_seen_20_days_before_is_told_once_at_30_not_at_90_too(world):
    world.warranty_until = days(20)
    world.save()
    assert run(TODAY) == 2
    assert run(TODAY, 11) == 0
    assert list(ExpiryAlert.objects.values_list("stage", flat=True)) == [30]
    assert "in 20 days" in told()[0].body


def test_a_warranty_that_expired_years_ago_is_told_once_and_stays_on_the_page_until_acknowledged(world):
    world.warranty_until = dt.date(2021, 5, 1)
    world.save()
    assert run(TODAY) == 2
    for n in range(1, 40):
        assert run(days(n)) == 0
    assert "EXPIRED on 2021-05-01" in told()[0].body
    assert len(told()) == 1


def test_the_check_after_a_restart_or_racing_another_notifier_tells_once(world):
    world.warranty_until = days(5)
    world.save()
    assert run(TODAY) == 2
    assert run(TODAY, 11) == 0  # what was told is in the database, not in the process
    racing = expiry_alerts.expiry_messages([i for i in expiry_items(today=TODAY) if i.stage is not None],
                                           Provider.get())
    assert outbox_enqueue(messages=racing) == 0  # a second notifier's same message: the outbox keeps one
    assert Message.objects.count() == 2


def test_an_acknowledged_warranty_says_no_more_until_its_date_changes_then_starts_over(world):
    assert run(days(10)) == 2  # 90 days
    expiry_acknowledge(asset="bianchi-nas", by="bob")
    for n in range(11, 130):
        assert run(days(n)) == 0
    world.warranty_until = days(400)  # renewed: a new date, a new item
    world.save()
    assert run(days(130)) == 0
    assert run(days(310)) == 2
    assert "2028-01-07, in 90 days" in told()[-1].body


def test_a_licence_is_told_at_its_stages_and_acknowledged_alone(world):
    world.warranty_until = None
    world.save()
    Licence.objects.create(asset=world, name="Windows Server 2022", expires=days(30), seats=1, key_hint="…7QX2")
    Licence.objects.create(asset=world, name="Veeam", expires=days(7))
    assert run(TODAY) == 2
    body = told()[0].body
    assert "2026-12-10, in 7 days · Studio Bianchi · NAS ufficio (bianchi-nas) · licence Veeam" in body
    assert "2027-01-02, in 30 days · Studio Bianchi · NAS ufficio (bianchi-nas) · licence Windows Server 2022" in body
    expiry_acknowledge(asset="bianchi-nas", licence="Veeam", by="bob")
    assert run(days(23)) == 2  # Windows at 7 days; Veeam, acknowledged, not even once expired
    assert "Veeam" not in told()[-1].body and "Windows Server 2022" in told()[-1].body
    assert run(days(31)) == 2 and "EXPIRED on 2027-01-02" in told()[-1].body
    assert run(days(40)) == 0
    Licence.objects.filter(name="Veeam").update(expires=days(60))  # renewed
    assert run(days(41)) == 2 and "licence Veeam" in told()[-1].body


def test_nothing_due_writes_nothing(world):
    assert run(TODAY) == 0 and not Message.objects.exists() and not ExpiryAlert.objects.exists()


def test_the_notifier_runs_the_expiry_step():
    assert steps()["expiries"] is expiry_alerts.step


def test_the_check_is_a_handful_of_queries_however_many_assets(world, django_assert_max_num_queries):
    for n in range(300):
        asset = factories.asset(f"pc-{n}", kind="pc", warranty_until=days(n % 120 - 10))
        Licence.objects.create(asset=asset, name="Office", expires=days(n % 100))
    run(TODAY)
    with django_assert_max_num_queries(4):
        run(TODAY, 11)
