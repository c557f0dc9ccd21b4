"""custode apply at scale: a few queries per kind of object, whatever the count, and only changed rows written."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custode.config.apply import apply_text
from custode.config.source import ConfigErrors
from custode.monitors.models import Monitor

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.django_db


def example() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def apply(text: str, **options):
    return apply_text(text, filename="custode.yaml", **options)


def many(customers: int, *, interval: str = "60s") -> str:
    """CUSTOMERS customers, each with a contact and 3 assets of 5 monitors (HTTP, TCP and push)."""
    out = ["plans:\n  basic: {includes: [monitoring]}\n", "staff:\n"]
    out += [f"  - {{username: tech{s}, name: Tech {s}, email: tech{s}@msp.example}}\n" for s in range(3)]
    out += ["infrastructure:\n  - {id: router, kind: network, name: Router}\n", "customers:\n"]
    for c in range(customers):
        out.append(f"  - id: c{c}\n    name: Customer {c}\n    plan: basic\n"
                   f"    contacts: [{{name: Office, email: o@c{c}.example}}]\n    assets:\n")
        for a in range(3):
            key, host = f"c{c}-a{a}", f"192.0.2.{c % 250 + 1}"
            out.append(f"      - id: {key}\n        kind: server\n        name: s{a}\n        depends_on: [router]\n"
                       "        monitors:\n")
            out += [f"          - {{id: {key}-http, type: http, url: 'https://c{c}.example/', interval: {interval}}}\n",
                    f"          - {{id: {key}-ssh, type: tcp, host: {host}, port: 22}}\n",
                    f"          - {{id: {key}-rdp, type: tcp, host: {host}, port: 3389}}\n",
                    f"          - {{id: {key}-dns, type: dns, name: c{c}.example}}\n",
                    f"          - {{id: {key}-job, type: push, interval: 1h, grace: 5m}}\n"]
    return "".join(out)


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_applying_many_monitors_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(40):  # SQLite takes 999 values per INSERT: 7 for these monitors
        report = apply(many(20))
    assert Monitor.objects.count() == 300 and report.count("created") == 20 * 2 + 60 + 300 + 5
    with django_assert_max_num_queries(21):  # 19 + the report settings + the contacts marked for reports
        assert not apply(many(20)).changed
    with django_assert_max_num_queries(21):
        assert apply(many(20, interval="2m")).count("updated") == 60


def test_an_unchanged_apply_writes_nothing():
    apply(many(5))
    with CaptureQueriesContext(connection) as queries:
        report = apply(many(5))
    assert not report.changed and report.count("unchanged") == 5 * 2 + 15 + 75 + 5
    assert writes(queries) == []


def test_a_changed_field_updates_that_monitor_and_its_updated_at_only():
    apply(example())
    Monitor.objects.update(updated_at=LONG_AGO)
    report = apply(example().replace("interval: 60s\n            retries: 2", "interval: 2m\n            retries: 2"))
    assert [c.fields for c in report.changes.values() if c.action == "updated"] == [("interval",)]
    stamped = dict(Monitor.objects.values_list("key", "updated_at"))
    assert stamped.pop("bianchi-home") > LONG_AGO
    assert set(stamped.values()) == {LONG_AGO}
    assert Monitor.objects.get(key="bianchi-home").interval == 120


def test_an_update_writes_only_the_changed_fields_of_its_row():
    apply(example())
    Monitor.objects.filter(key="bianchi-home").update(state="down", last_reason="status 503, expected 200")
    apply(example().replace("interval: 60s\n            retries: 2", "interval: 2m\n            retries: 2"))
    home = Monitor.objects.get(key="bianchi-home")
    assert (home.state, home.last_reason, home.interval) == ("down", "status 503, expected 200", 120)


def test_new_monitors_are_stamped_and_a_push_monitor_keeps_its_token_across_applies():
    apply(example())
    heartbeat = Monitor.objects.get(key="vps-01-heartbeat")
    assert heartbeat.updated_at is not None and heartbeat.push_token
    assert len(set(Monitor.objects.values_list("push_token", flat=True))) == Monitor.objects.count()
    report = apply(example().replace("interval: 5m, grace: 2m", "interval: 5m, grace: 3m"))
    assert report.changes[("monitor", "vps-01-heartbeat")].fields == ("spec",)
    assert Monitor.objects.get(key="vps-01-heartbeat").push_token == heartbeat.push_token


def test_a_monitor_moved_to_another_asset_is_an_update_of_its_asset():
    apply(example())
    moved = example().replace("      - {id: vps-01-ssh, type: tcp, host: 203.0.113.10, port: 22, paused: true}\n", "")
    moved = moved.replace("      - {id: core-router-ping,", "      - {id: vps-01-ssh, type: tcp, host: 203.0.113.10, "
                          "port: 22, paused: true}\n      - {id: core-router-ping,")
    report = apply(moved)
    assert report.changes[("monitor", "vps-01-ssh")].fields == ("asset",)
    assert Monitor.objects.get(key="vps-01-ssh").asset.key == "core-router"


def test_staff_from_a_file_are_staff_without_a_usable_password():
    apply(many(1))
    tech = get_user_model().objects.get(username="tech0")
    assert tech.is_staff and not tech.has_usable_password()
    assert (tech.email, tech.staff.name) == ("tech0@msp.example", "Tech 0")


def test_an_assets_dependencies_become_exactly_the_files_list():
    apply(example())
    report = apply(example().replace("depends_on: [vps-01]         #", "depends_on: [core-router, vps-01] #"))
    assert report.changes[("asset", "bianchi-web")].fields == ("depends_on",)
    web = Monitor.objects.get(key="bianchi-home").asset
    assert sorted(web.depends_on.values_list("key", flat=True)) == ["core-router", "vps-01"]
    assert not apply(example().replace("depends_on: [vps-01]         #", "depends_on: [core-router, vps-01] #")).changed


def test_the_cycle_collector_is_back_on_after_an_apply_even_a_refused_one():
    apply(example())
    assert gc.isenabled()
    with pytest.raises(ConfigErrors):
        apply(example().replace("plan: basic", "plan: gold"))
    assert gc.isenabled()
