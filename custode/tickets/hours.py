"""The hours bank: each month the customer's plan includes ``monthly_hours``; time logged on their tickets draws
from it. Months are the provider's (a time entry at 00:30 on the 1st in Rome belongs to the new month).

Staff are told once when a month's use reaches 80 % of what is included, and once when it goes past it
(``hours_alarm``), in the transaction that logs the time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Sum

from custode.directory.models import Customer, Provider
from custode.notify.services import outbox_enqueue
from custode.tickets import messages
from custode.tickets.models import HoursAlarm, TimeEntry

WARN_AT = 0.8  # share of the month's hours at which staff are told


@dataclass(frozen=True)
class Bank:
    month: dt.date  # its first day
    included_minutes: int
    used_minutes: int

    @property
    def balance_minutes(self) -> int:
        return self.included_minutes - self.used_minutes

    @property
    def overdrawn(self) -> bool:
        return self.balance_minutes < 0

    def levels(self) -> list[str]:
        """The alerts this month's use calls for, in the order they are reached; none without included hours."""
        if self.included_minutes <= 0:
            return []
        reached = [HoursAlarm.Level.WARNING] if self.used_minutes >= WARN_AT * self.included_minutes else []
        return reached + ([HoursAlarm.Level.OVERDRAWN] if self.overdrawn else [])

    def out(self) -> dict:
        return {"month": self.month.strftime("%Y-%m"), "included_minutes": self.included_minutes,
                "used_minutes": self.used_minutes, "balance_minutes": self.balance_minutes}


def month_of(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date().replace(day=1)


def previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def bank(customer: Customer, month: dt.date, tz: ZoneInfo | None = None) -> Bank:
    """CUSTOMER's hours for MONTH (its first day): what the plan includes and what time entries used."""
    tz = tz or ZoneInfo(Provider.get().timezone)
    start = dt.datetime.combine(month, dt.time(0), tz)
    end = dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time(0), tz)
    used = (TimeEntry.objects.filter(ticket__customer=customer, at__gte=start, at__lt=end)
            .aggregate(total=Sum("minutes"))["total"] or 0)
    plan = customer.plan
    return Bank(month, round((plan.monthly_hours or 0) * 60) if plan else 0, used)


def hours_alarm(*, customer_id: int, at: dt.datetime) -> list[str]:
    """Tell staff of the levels the customer's bank for the month of AT has newly reached; returns them.

    Call it in the transaction that logged the time. The customer's row is locked first, so two entries logged
    at once are counted one after the other; each level reached is a HoursAlarm row, written with the alert.
    As with SLA warnings, a jump past both levels at once is told as the overdraw alone.
    """
    provider = Provider.get()
    tz = ZoneInfo(provider.timezone)
    customer = Customer.objects.select_for_update(of=("self",)).select_related("plan").get(pk=customer_id)
    month = month_of(at, tz)
    balance = bank(customer, month, tz)
    told = set(HoursAlarm.objects.filter(customer=customer, month=month).values_list("level", flat=True))
    fired = [level for level in balance.levels() if level not in told]
    if fired:
        HoursAlarm.objects.bulk_create([HoursAlarm(customer=customer, month=month, level=level, at=at)
                                        for level in fired])
        outbox_enqueue(messages=messages.hours_alert(customer, balance, fired[-1], provider))
    return fired
