"""custode apply reports every error of a file in one run, schema and references alike, each with its line and
field, and a file that makes anything else fail is an error too, never a traceback; nothing is applied."""

from __future__ import annotations

import pytest

from custode.config.apply import apply_text
from custode.config.source import ConfigErrors
from custode.directory.models import Customer
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor

pytestmark = pytest.mark.django_db

FILE = """\
plans:
  basic: {support_hours: "24/7"}
customers:
  - id: broken
    name: Broken
    plan: basic
    language: xx
  - id: fine
    name: Fine
    plan: basic
  - id: unplanned
    name: Unplanned
    plan: gold
    assets:
      - id: site
        kind: website
        name: Site
        depends_on: [nowhere]
        monitors:
          - {id: site-http, type: http, url: "https://site.example/", interval: 60}
"""


def errors(text: str, **options) -> list[str]:
    with pytest.raises(ConfigErrors) as raised:
        apply_text(text, filename="custode.yaml", **options)
    return raised.value.lines()


def test_schema_errors_and_unknown_references_come_in_the_same_run():
    lines = errors(FILE)
    assert lines == [
        "custode.yaml:7 customers[0].language: must be 'it', 'en' or 'es'",
        "custode.yaml:13 customers[2].plan: unknown plan 'gold'; known plans: basic",
        "custode.yaml:20 customers[2].assets[0].monitors[0].interval: must be a duration like 30s, 5m, 2h",
    ]
    assert Customer.objects.count() == 0 and Monitor.objects.count() == 0


def test_a_reference_to_an_entry_with_its_own_error_is_not_reported_again():
    text = """\
infrastructure:
  - id: vps
    kind: spaceship
    name: VPS
  - id: site
    kind: website
    name: Site
    depends_on: [vps]
  - {id: shop, kind: website, name: Shop, depends_on: [nowhere]}
maintenance:
  - {id: night, title: {en: Upgrade}, assets: [vps], start: "2027-01-01T22:00:00+00:00", duration: 1h}
"""
    lines = errors(text)
    assert len(lines) == 2, lines
    assert lines[0].startswith("custode.yaml:3 infrastructure[0].kind: ")
    assert lines[1] == "custode.yaml:9 infrastructure[2].depends_on[0]: unknown asset 'nowhere'"


def test_a_duplicate_id_and_an_unknown_reference_come_in_the_same_run():
    text = """\
infrastructure:
  - {id: vps, kind: server, name: VPS}
  - {id: vps, kind: server, name: Another}
  - {id: site, kind: website, name: Site, depends_on: [missing]}
"""
    assert errors(text) == [
        "custode.yaml:3 infrastructure[1].id: duplicate asset id 'vps', first used at infrastructure[0].id",
        "custode.yaml:4 infrastructure[2].depends_on[0]: unknown asset 'missing'",
    ]


def test_an_interval_no_column_can_hold_is_a_schema_error_naming_the_limit():
    text = """\
infrastructure:
  - id: vps
    kind: server
    name: VPS
    monitors:
      - {id: vps-tcp, type: tcp, host: 192.0.2.1, port: 22, interval: 100000000d}
"""
    assert errors(text) == ["custode.yaml:6 infrastructure[0].monitors[0].interval: must be at most 3650d"]
    assert Monitor.objects.count() == 0


def test_a_window_ending_after_the_year_9999_is_its_error_not_a_traceback():
    text = """\
infrastructure:
  - {id: vps, kind: server, name: VPS}
maintenance:
  - {id: forever, title: {en: Forever}, assets: [vps], start: "9999-12-31T23:00:00+00:00", duration: 2h}
"""
    lines = errors(text)
    assert len(lines) == 1 and lines[0].startswith("custode.yaml:4 maintenance[0]: cannot be saved: "), lines
    assert MaintenanceWindow.objects.count() == 0


def test_any_other_failure_while_writing_is_one_line_and_nothing_is_applied(monkeypatch):
    from custode.config import apply as applier

    def broken(doc):
        raise RuntimeError("the disk is full\nsecond line")

    monkeypatch.setattr(applier, "write", broken)
    assert errors("infrastructure:\n  - {id: vps, kind: server, name: VPS}\n") == [
        "custode.yaml: cannot be applied: RuntimeError: the disk is full"
    ]
