"""The morning e-mail: the round, worst first, to each member of staff in their language, written once a day
from 07:00 in the provider's timezone, never again after a restart."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from custode.backups import morning
from custode.backups.tests.conftest import failed, good, job
from custode.directory.models import StaffProfile
from custode.notify.models import Message
from custode.notify.notifier import steps
from custode.testing import factories

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test is a notifier just started: it has seen no day written."""
    monkeypatch.setattr(morning, "_written_for", [None])
    monkeypatch.setattr(morning, "_looked", [float("-inf")])


@pytest.fixture
def round_(nas):
    factories.staff("ada", name="Ada", language="it")
    factories.staff("bob", name="Bob", language="en")
    good(job("bianchi-nas-nightly", "bianchi-nas"))
    failed(job("bianchi-nas-files", "bianchi-nas"))


def at(hour: int, minute: int = 0, day: int = 3) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ROME)


def test_at_seven_each_member_of_staff_gets_the_round_worst_first_in_their_language(round_):
    assert morning.write_round(now=at(7, 0)) == 2
    ada, bob = (Message.objects.get(recipient=f"{name}@example.com") for name in ("ada", "bob"))
    assert bob.subject == "Backups, Thursday 3 December: 1 red, 0 amber, 1 green"
    assert bob.body.index("RED · Studio Bianchi · NAS Bianchi · bianchi-nas-files: failed") \
        < bob.body.index("GREEN · Studio Bianchi · NAS Bianchi · bianchi-nas-nightly: ok")
    assert "  - failed: the job reported a failure" in bob.body
    assert ada.subject == "Backup, giovedì 3 dicembre: rossi 1, gialli 0, verdi 1" and "ROSSO · " in ada.body
    profile = StaffProfile.objects.get(name="Bob").pk
    assert (bob.audience, bob.channel, bob.key) == (
        "staff", "email", f"backups:round:2026-12-03:staff:{profile}:email:bob@example.com")


def test_before_seven_nothing_is_written(round_):
    assert morning.write_round(now=at(6, 59)) == 0
    assert not Message.objects.exists()


def test_the_round_is_written_once_a_day_even_after_a_restart(round_, monkeypatch):
    assert morning.write_round(now=at(7, 0)) == 2
    assert morning.write_round(now=at(9, 30)) == 0
    monkeypatch.setattr(morning, "_written_for", [None])  # the notifier restarted
    assert morning.write_round(now=at(11, 0)) == 0
    assert Message.objects.count() == 2
    assert morning.write_round(now=at(7, 5, day=4)) == 2  # the next morning, the next round


def test_no_jobs_no_mail(nas):
    factories.staff("ada")
    assert morning.write_round(now=at(8)) == 0 and not Message.objects.exists()


def test_the_notifier_runs_the_morning_step():
    assert steps()["backups"] is morning.step
