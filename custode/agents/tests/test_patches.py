"""Pending security updates as the reports come in: a report counting some opens a stretch, later ones keep (and
grow) it, one counting none clears it; a stretch open longer than the grace is overdue, for its own customer
only; the grace is the config file's ``provider.patch_grace``."""

import datetime as dt

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from custode.agents.models import Agent, PatchRecord, PatchSetup
from custode.agents.patches import customer_patches, overdue_patches, patch_grace
from custode.agents.services import agent_revoke
from custode.agents.tests.conftest import enrolled, post, report
from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.directory.models import Customer
from custode.testing import factories

DAY = dt.timedelta(days=1)


@pytest.fixture
def world(server):
    outsider = factories.customer("outsider", name="Zeta Outsider")
    factories.asset("outsider-srv", customer=outsider, kind="server", name="Server Outsider")
    return {asset: enrolled(asset) for asset in ("bianchi-srv", "bianchi-nas", "outsider-srv")}


def send(world, asset: str, at: dt.datetime, pending: int | None, security: int = 0, **updates):
    """ASSET's report measured AT, sent now (a report that waited on the machine), counting PENDING updates
    (no ``updates`` at all when None)."""
    body = report(at, sent_at=timezone.now().isoformat(),
                  updates=None if pending is None else {"pending": pending, "security": security, **updates})
    response = post(f"/agent/{asset}/report", body, world[asset])
    assert response.status_code == 200, response.content


def bianchi() -> Customer:
    return Customer.objects.get(key="bianchi")


def test_a_report_counting_security_updates_opens_a_record_since_it_was_measured(world):
    at = timezone.now() - dt.timedelta(hours=3)
    send(world, "bianchi-srv", at, 7, 2)
    record = PatchRecord.objects.get()
    assert (record.since, record.cleared_at, record.pending, record.security) == (at, None, 7, 2)
    assert Agent.objects.get(asset__key="bianchi-srv").patch == record


def test_later_reports_keep_the_record_and_raise_its_peak(world):
    start = timezone.now() - dt.timedelta(hours=3)
    send(world, "bianchi-srv", start, 7, 2)
    send(world, "bianchi-srv", start + dt.timedelta(hours=1), 9, 1, last_upgrade="2026-11-30T08:00:00+00:00")
    send(world, "bianchi-srv", start + dt.timedelta(hours=2), 4, 3)
    record = PatchRecord.objects.get()
    assert (record.since, record.cleared_at, record.pending, record.security) == (start, None, 9, 3)
    assert record.last_upgrade == dt.datetime(2026, 11, 30, 8, tzinfo=dt.timezone.utc)


def test_a_report_counting_none_clears_it_and_the_next_security_update_opens_another(world):
    start = timezone.now() - dt.timedelta(hours=3)
    send(world, "bianchi-srv", start, 7, 2)
    send(world, "bianchi-srv", start + dt.timedelta(hours=1), 5, 0)
    cleared = PatchRecord.objects.get()
    assert cleared.cleared_at == start + dt.timedelta(hours=1)
    assert Agent.objects.get(asset__key="bianchi-srv").patch is None
    send(world, "bianchi-srv", start + dt.timedelta(hours=2), 1, 1)
    assert PatchRecord.objects.count() == 2
    assert Agent.objects.get(asset__key="bianchi-srv").patch.since == start + dt.timedelta(hours=2)


def test_a_report_that_cannot_count_updates_or_counts_none_changes_nothing(world):
    start = timezone.now() - dt.timedelta(hours=3)
    send(world, "bianchi-nas", start, 3, 0)
    assert not PatchRecord.objects.exists()
    send(world, "bianchi-srv", start, 7, 2)
    send(world, "bianchi-srv", start + dt.timedelta(hours=1), None)
    assert PatchRecord.objects.get().cleared_at is None


def test_a_late_buffered_report_does_not_move_the_record(world):
    now = timezone.now()
    send(world, "bianchi-srv", now - dt.timedelta(hours=1), 7, 2)
    send(world, "bianchi-srv", now - dt.timedelta(hours=2), 0, 0)
    assert PatchRecord.objects.get().cleared_at is None


def test_a_report_that_changes_no_count_costs_no_query_more_than_one_without_updates(world):
    start = timezone.now() - dt.timedelta(hours=3)
    send(world, "bianchi-srv", start, 7, 2)
    send(world, "bianchi-nas", start, None)
    with CaptureQueriesContext(connection) as same:
        send(world, "bianchi-srv", start + dt.timedelta(minutes=1), 7, 2)
    with CaptureQueriesContext(connection) as unknown:
        send(world, "bianchi-nas", start + dt.timedelta(minutes=1), None)
    assert len(same) == len(unknown)


def test_security_updates_pending_longer_than_the_grace_are_overdue_for_their_own_customer_only(world):
    now = timezone.now()
    send(world, "bianchi-srv", now - 8 * DAY, 7, 2)
    send(world, "bianchi-nas", now - 6 * DAY, 3, 1)
    send(world, "outsider-srv", now - 30 * DAY, 9, 9)
    assert [row.asset for row in overdue_patches(bianchi(), now=now)] == ["bianchi-srv"]
    assert [row.asset for row in overdue_patches(bianchi(), dt.timedelta(days=5), now=now)] == ["bianchi-srv",
                                                                                                "bianchi-nas"]
    assert [row.asset for row in overdue_patches(now=now)] == ["outsider-srv", "bianchi-srv"]
    row = overdue_patches(bianchi(), now=now)[0]
    assert (row.pending, row.security, row.since, row.overdue) == (7, 2, now - 8 * DAY, True)
    assert overdue_patches(bianchi(), now=now + 2 * DAY)[1].asset == "bianchi-nas", "a day older, overdue too"


def test_a_revoked_agent_is_never_overdue(world):
    send(world, "bianchi-srv", timezone.now() - 8 * DAY, 7, 2)
    agent_revoke(asset="bianchi-srv")
    assert overdue_patches(bianchi()) == []


def test_the_customer_view_lists_overdue_every_asset_and_ninety_days_of_history(world):
    now = timezone.now()
    send(world, "bianchi-srv", now - 100 * DAY, 5, 5)
    send(world, "bianchi-srv", now - 95 * DAY, 0, 0)  # cleared over 90 days ago: out of the history
    send(world, "bianchi-srv", now - 40 * DAY, 2, 1)
    send(world, "bianchi-srv", now - 30 * DAY, 0, 0)
    send(world, "bianchi-srv", now - 8 * DAY, 7, 2)
    send(world, "outsider-srv", now - 30 * DAY, 9, 9)
    out = customer_patches(bianchi(), now=now)
    assert out["older_than"] == 7 * DAY and [row.asset for row in out["overdue"]] == ["bianchi-srv"]
    assert [(row.asset, row.security) for row in out["assets"]] == [("bianchi-srv", 2), ("bianchi-nas", None)]
    assert [(r["since"], r["cleared_at"]) for r in out["history"]] == [(now - 8 * DAY, None),
                                                                       (now - 40 * DAY, now - 30 * DAY)]


# -- provider.patch_grace -----------------------------------------------------------------------------------------

FILE = """\
provider:
  name: Rete Sicura
  timezone: Europe/Rome
  contact: {phone: "+39 0521 000000", email: assistenza@retesicura.example}
  patch_grace: 14d
"""


def test_the_grace_is_applied_exported_and_applies_back_unchanged(db):
    assert patch_grace() == 7 * DAY and not PatchSetup.objects.exists(), "7d until a file says otherwise"
    apply_text(FILE, filename="custode.yaml")
    assert patch_grace() == 14 * DAY
    assert yaml.safe_load(export_yaml())["provider"]["patch_grace"] == "2w"
    assert not apply_text(export_yaml(), filename="custode.yaml").changed


@pytest.mark.parametrize("value, said", [("30m", "must be from 1h to 365d, like 7d"), ("400d", "from 1h to 365d"),
                                         ("soon", "")])
def test_a_wrong_grace_names_line_and_key_and_applies_nothing(db, value, said):
    with pytest.raises(ConfigErrors) as refused:
        apply_text(FILE.replace("14d", value), filename="custode.yaml")
    assert "custode.yaml:5 provider.patch_grace" in str(refused.value) and said in str(refused.value)
    assert not PatchSetup.objects.exists()


def test_the_admin_shows_the_open_record_but_never_offers_to_change_it(world, admin_client):
    send(world, "bianchi-srv", timezone.now() - DAY, 7, 2)
    agent = Agent.objects.get(asset__key="bianchi-srv")
    response = admin_client.get(f"/admin/agents/agent/{agent.pk}/change/")
    assert response.status_code == 200 and 'name="patch"' not in response.content.decode()


def test_an_impossible_count_of_updates_is_400_naming_it_and_nothing_is_stored(world):
    body = report(updates={"pending": 10**12, "security": 10**12})
    response = post("/agent/bianchi-srv/report", body, world["bianchi-srv"])
    text = response.content.decode()
    assert response.status_code == 400 and "updates.pending: " in text and "updates.security: " in text, text
    assert not PatchRecord.objects.exists() and Agent.objects.get(asset__key="bianchi-srv").report is None
