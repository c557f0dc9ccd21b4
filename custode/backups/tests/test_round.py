"""The daily round: every job red, amber or green, worst first; a technician's sign-off, with its time drawn
from the customer's hours bank through the month's backup-checks ticket."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from custode.backups import round as backup_round
from custode.backups.models import BackupSignOff
from custode.backups.tests.conftest import aged, failed, good, job
from custode.lib.changes import Invalid, NotFound
from custode.testing import factories
from custode.tickets import hours
from custode.tickets.models import Status, Ticket, TimeEntry


@pytest.fixture
def jobs(nas):
    mirador = factories.customer("mirador", name="Hotel Mirador", language="es",
                                 plan=factories.plan("care", monthly_hours=10))
    factories.asset("mirador-srv", customer=mirador, kind="server", name="Server Mirador")
    return {
        "ok": good(job("bianchi-nas-nightly", "bianchi-nas")),
        "unknown": job("mirador-srv-db", "mirador-srv"),
        "failed": failed(job("mirador-srv-files", "mirador-srv")),
        "missed": aged(job("bianchi-nas-weekly", "bianchi-nas"), days=3),
    }


@pytest.fixture
def tech(db):
    return factories.staff("tech", name="Ada Tecnica")


def test_the_round_lists_every_job_red_then_amber_then_green_with_reasons(jobs):
    rows = backup_round.round_rows()
    assert [(r.job.key, r.state, r.colour) for r in rows] == [
        ("mirador-srv-files", "failed", "red"), ("bianchi-nas-weekly", "missed", "red"),
        ("mirador-srv-db", "unknown", "amber"), ("bianchi-nas-nightly", "ok", "green")]
    assert rows[0].reasons == ["failed: the job reported a failure"]
    assert rows[1].reasons[0].startswith("missed: never finished; due at")
    assert backup_round.tally(rows) == {"red": 2, "amber": 1, "green": 1}


def test_a_sign_off_keeps_who_when_the_state_and_reasons_seen_and_shows_on_the_round_today(jobs, tech):
    signed = backup_round.signoff_create(job="mirador-srv-files", note="  checked, NAS disk replaced ", user=tech)
    assert (signed.state, signed.reasons, signed.note, signed.by, signed.user) == (
        "failed", ["failed: the job reported a failure"], "checked, NAS disk replaced", "Ada Tecnica", tech)
    rows = {r.job.key: r for r in backup_round.round_rows()}
    assert rows["mirador-srv-files"].signoff == signed and rows["bianchi-nas-weekly"].signoff is None


def test_yesterdays_sign_off_is_not_todays(jobs, tech):
    yesterday = timezone.now() - dt.timedelta(days=1, hours=1)
    backup_round.signoff_create(job="mirador-srv-files", note="looked", user=tech, now=yesterday)
    assert {r.job.key: r.signoff for r in backup_round.round_rows()}["mirador-srv-files"] is None


def test_minutes_are_drawn_from_the_hours_bank_on_one_backup_checks_ticket_a_month(jobs, tech):
    first = backup_round.signoff_create(job="mirador-srv-files", note="restarted the NAS", user=tech, minutes=20)
    second = backup_round.signoff_create(job="mirador-srv-db", note="credentials fixed", user=tech, minutes=25)
    ticket = Ticket.objects.get(customer__key="mirador")
    assert ticket.status == Status.RESOLVED and ticket.subject.startswith("Comprobación de las copias de seguridad")
    assert [(e.minutes, e.note) for e in TimeEntry.objects.order_by("id")] == [
        (20, "mirador-srv-files: restarted the NAS"), (25, "mirador-srv-db: credentials fixed")]
    assert first.time_entry.ticket == second.time_entry.ticket == ticket
    month = hours.month_of(timezone.now(), ZoneInfo("Europe/Rome"))
    assert hours.bank(ticket.customer, month).used_minutes == 45


def test_a_closed_checks_ticket_is_not_reused(jobs, tech):
    backup_round.signoff_create(job="mirador-srv-files", note="one", user=tech, minutes=5)
    Ticket.objects.update(status=Status.CLOSED)
    backup_round.signoff_create(job="mirador-srv-db", note="two", user=tech, minutes=5)
    assert Ticket.objects.filter(customer__key="mirador").count() == 2


def test_without_minutes_no_ticket_is_opened(jobs, tech):
    backup_round.signoff_create(job="mirador-srv-files", note="looked", user=tech)
    assert not Ticket.objects.exists() and not TimeEntry.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"note": "   "}, "note"), ({"note": "x" * 1001}, "note"), ({"minutes": -5}, "minutes"),
    ({"minutes": 0}, "minutes"), ({"minutes": 24 * 60 + 1}, "minutes"), ({"minutes": True}, "minutes"),
    ({"job": "bianchi-nas-nightly"}, "job"),
])
def test_bad_sign_offs_name_the_field_and_store_nothing(jobs, tech, values, field):
    with pytest.raises(Invalid) as refused:
        backup_round.signoff_create(**{"job": "mirador-srv-files", "note": "ok", "user": tech, **values})
    assert refused.value.field == field
    assert not BackupSignOff.objects.exists() and not Ticket.objects.exists() and not TimeEntry.objects.exists()


def test_signing_off_an_unknown_job_is_not_found(jobs, tech):
    with pytest.raises(NotFound, match="nope"):
        backup_round.signoff_create(job="nope", note="ok", user=tech, minutes=5)
    assert not BackupSignOff.objects.exists()


def test_sign_offs_are_read_in_the_admin_never_written_there(jobs, tech, client):
    backup_round.signoff_create(job="mirador-srv-files", note="checked the mount", user=tech)
    client.force_login(factories.staff("root", superuser=True))
    assert "Ada Tecnica" in client.get("/admin/backups/backupsignoff/").content.decode()
    assert client.get("/admin/backups/backupsignoff/add/").status_code == 403
