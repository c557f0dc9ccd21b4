"""The hours bank: time logged draws from the plan's monthly hours; staff are told once at 80 % of a month's
hours and once on its overdraw, through the outbox, in their language; months are the provider's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from custode.notify.models import Message
from custode.tickets import hours, selectors, services
from custode.tickets.models import HoursAlarm
from custode.testing import factories

pytestmark = pytest.mark.django_db

DEC_7 = dt.datetime.fromisoformat("2026-12-07T10:00+01:00")


@pytest.fixture
def world():
    factories.provider(timezone="Europe/Rome")
    plan = factories.plan("office", monthly_hours=10)
    acme = factories.customer("acme", name="Acme", plan=plan)
    factories.customer("other", name="Other", plan=plan)
    return {"acme": acme, "piet": factories.staff("piet", on_call=True, language="en").staff,
            "anna": factories.staff("anna", language="it").staff}


def ticket(customer="acme"):
    return services.ticket_open(customer=customer, subject="Printer", body="x", now=DEC_7)


def log(t, minutes, at=DEC_7):
    return services.ticket_log_time(ticket=t, minutes=minutes, now=at)


def alerts(customer="acme") -> list[tuple[str, str]]:
    topic = f"hours:{factories.Customer.objects.get(key=customer).pk}"
    return list(Message.objects.filter(topic=topic).order_by("id").values_list("recipient_name", "subject"))


def test_the_on_call_staff_member_is_told_once_at_80_percent_and_once_on_overdraw(world):
    t = ticket()
    log(t, 479)
    assert alerts() == []
    log(t, 1)
    log(t, 60)
    assert alerts() == [("Piet", "Acme has used 80 % of its hours for December 2026")]
    log(t, 61)
    log(t, 30)
    assert alerts()[1:] == [("Piet", "Acme has overdrawn its hours for December 2026")]
    body = Message.objects.filter(topic=f"hours:{world['acme'].pk}").order_by("id").last().body
    assert "Acme has used 10 hours 1 minute of support in December 2026, 1 minute more than the 10 hours" in body
    assert "/customers/acme/#hours" in body


def test_a_jump_past_both_levels_is_told_as_the_overdraw_alone_and_both_are_recorded(world):
    log(ticket(), 11 * 60)
    assert alerts() == [("Piet", "Acme has overdrawn its hours for December 2026")]
    assert sorted(HoursAlarm.objects.values_list("level", flat=True)) == ["overdrawn", "warning"]


def test_looking_again_at_a_bank_already_told_of_writes_nothing(world):
    log(ticket(), 9 * 60)
    assert hours.hours_alarm(customer_id=world["acme"].pk, at=DEC_7) == []
    assert len(alerts()) == 1


def test_the_database_refuses_a_second_record_of_the_same_alert(world):
    log(ticket(), 9 * 60)
    with pytest.raises(IntegrityError), transaction.atomic():
        HoursAlarm.objects.create(customer=world["acme"], month=dt.date(2026, 12, 1), level="warning", at=DEC_7)


def test_each_month_of_the_provider_is_a_bank_of_its_own(world):
    t = ticket()
    log(t, 9 * 60)
    log(t, 9 * 60, at=dt.datetime.fromisoformat("2027-01-01T00:30+01:00"))  # still 31 December in UTC
    assert [s for _, s in alerts()] == ["Acme has used 80 % of its hours for December 2026",
                                        "Acme has used 80 % of its hours for January 2027"]
    assert selectors.hours_of("acme", dt.date(2027, 1, 1))["used_minutes"] == 540
    assert selectors.hours_of("acme", dt.date(2026, 12, 1))["used_minutes"] == 540


def test_one_customer_s_time_never_alerts_about_another(world):
    log(ticket("other"), 9 * 60)
    assert alerts("acme") == []
    assert len(alerts("other")) == 1


def test_a_plan_without_monthly_hours_alerts_nobody(world):
    world["acme"].plan = factories.plan("none")
    world["acme"].save()
    log(ticket(), 20 * 60)
    assert alerts() == [] and not HoursAlarm.objects.exists()


def test_without_anyone_on_call_every_staff_member_is_told_in_their_language(world):
    world["piet"].on_call = False
    world["piet"].save()
    factories.staff("juan", language="es")
    log(ticket(), 11 * 60)
    assert alerts() == [("Piet", "Acme has overdrawn its hours for December 2026"),
                        ("Anna", "Acme ha superato le ore di dicembre 2026"),
                        ("Juan", "Acme ha superado sus horas de diciembre de 2026")]
