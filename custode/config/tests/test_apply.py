"""custode apply: the example applies, twice is a no-op, export applies back, and bad files change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from custode.assets.models import Asset
from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.directory.models import Plan
from custode.monitors.models import Monitor

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"

pytestmark = pytest.mark.django_db


def example() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def apply(text: str, **options):
    return apply_text(text, filename="custode.yaml", **options)


def test_example_applies_as_it_is():
    report = apply(example())
    assert report.count("created") == 28
    assert Monitor.objects.exclude(type="backup").count() == 10
    assert Monitor.objects.get(type="backup").backup_job.key == "bianchi-nas-nightly"  # the job's own, staff only
    web = Asset.objects.get(key="bianchi-web")
    assert web.customer.key == "studio-bianchi"
    assert list(web.depends_on.values_list("key", flat=True)) == ["vps-01"]
    assert Asset.objects.get(key="vps-01").customer is None


def test_second_apply_of_the_same_file_changes_nothing():
    apply(example())
    before = export_yaml()
    report = apply(example())
    assert not report.changed
    assert report.count("unchanged") == 28
    assert export_yaml() == before


def test_export_applies_back_with_no_changes():
    apply(example())
    exported = export_yaml()
    report = apply(exported)
    assert not report.changed, [c for c in report.changes.values() if c.action != "unchanged"]
    assert export_yaml() == exported


def test_dry_run_reports_changes_and_writes_nothing():
    report = apply(example(), dry_run=True)
    assert report.count("created") == 28
    assert Monitor.objects.count() == 0


def test_changed_field_is_reported_as_an_update():
    apply(example())
    report = apply(example().replace("interval: 60s\n            retries: 2", "interval: 2m\n            retries: 2"))
    updated = [c for c in report.changes.values() if c.action == "updated"]
    assert [(c.kind, c.key, c.fields) for c in updated] == [("monitor", "bianchi-home", ("interval",))]
    assert Monitor.objects.get(key="bianchi-home").interval == 120


def test_objects_missing_from_the_file_are_kept_without_prune_and_removed_with_it():
    apply(example())
    smaller = example().replace("          - {id: mirador-dns, type: dns, name: mirador.example, record: A, expect: [\"203.0.113.10\"], paused: true}\n", "")
    report = apply(smaller)
    assert ("monitor", "mirador-dns") in report.kept
    assert Monitor.objects.filter(key="mirador-dns").exists()
    report = apply(smaller, prune=True)
    assert report.changes[("monitor", "mirador-dns")].action == "removed"
    assert not Monitor.objects.filter(key="mirador-dns").exists()


def test_a_file_may_refer_to_objects_already_in_the_database():
    apply(example())
    report = apply(
        "customers:\n"
        "  - id: new-customer\n    name: New\n    plan: basic\n"
        "    assets:\n      - {id: new-site, kind: website, name: new.example, depends_on: [vps-01]}\n"
    )
    assert report.changes[("asset", "new-site")].action == "created"
    assert Asset.objects.get(key="new-site").depends_on.get().key == "vps-01"


_PLATINUM_HOURS = "    monthly_hours: 10 "
_BAD_UPTIME = 'plans.platinum.uptime: must be a percentage above 0 and at most 100, like 99.9 or "99.9%"'

# (case, text replaced, replacement, text on the line the error must name (its last occurrence), message)
BAD = [
    ("malformed YAML", "  - id: bianchi-web", "  - id: [bianchi-web", "kind: website\n        name: www.studiob",
     "not valid YAML"),
    ("unknown top-level key", "maintenance:\n", "colours: red\nmaintenance:\n", "colours", "colours: unknown key"),
    ("unknown monitor type", "type: tcp, host: 192.0.2.20", "type: ftp, host: 192.0.2.20", "type: ftp",
     "customers[0].assets[2].monitors[0].type: unknown monitor type 'ftp'"),
    ("unit-less interval", "interval: 60s\n            retries", "interval: 60\n            retries", "interval: 60\n",
     "customers[0].assets[0].monitors[0].interval: must be a duration like 30s, 5m, 2h"),
    ("negative interval", "interval: 60s\n            retries", "interval: -60s\n            retries", "-60s",
     "customers[0].assets[0].monitors[0].interval: must be a duration like 30s, 5m, 2h"),
    ("URL without scheme", 'url: "https://www.mirador.example/"', 'url: "www.mirador.example/"', "mirador-home",
     "customers[1].assets[0].monitors[0].url: must be a URL starting with http:// or https://"),
    ("unknown language", "language: es\n", "language: fr\n", "language: fr",
     "customers[1].language: must be 'it', 'en' or 'es'"),
    ("warranty date that is not a date", "warranty_until: 2027-03-12", "warranty_until: 2027-13-45", "2027-13-45",
     "customers[0].assets[1].warranty_until: must be a date like 2027-03-12"),
    ("warranty date that is a word", "warranty_until: 2027-03-12", "warranty_until: soon", "soon",
     "customers[0].assets[1].warranty_until: must be a date like 2027-03-12"),
    ("depends_on an unknown asset", "depends_on: [vps-01]         #", "depends_on: [vps-99]         #", "vps-99",
     "customers[0].assets[0].depends_on[0]: unknown asset 'vps-99'"),
    ("dependency cycle", "depends_on: [core-router]", "depends_on: [bianchi-web]", "depends_on: [bianchi-web]",
     "infrastructure[1].depends_on: dependency cycle: vps-01 → bianchi-web → vps-01"),
    ("duplicate asset id", "id: mirador-db", "id: bianchi-web", "id: bianchi-web",
     "customers[1].assets[1].id: duplicate asset id 'bianchi-web', first used at customers[0].assets[0].id"),
    ("unknown plan", "plan: basic", "plan: gold", "plan: gold", "customers[1].plan: unknown plan 'gold'; known plans: "),
    ("duplicate key", "    plan: basic\n", "    plan: basic\n    plan: platinum\n", "plan: platinum",
     "customers[1].plan: 'plan' is written twice"),
    ("unknown impact", "type: tcp, host: 192.0.2.20", "type: tcp, impact: fatal, host: 192.0.2.20", "impact: fatal",
     "customers[0].assets[2].monitors[0].impact: "),
    ("negative uptime promise", _PLATINUM_HOURS, "    uptime: -99.9\n" + _PLATINUM_HOURS, "uptime: -99.9",
     _BAD_UPTIME),
    ("uptime promise above 100", _PLATINUM_HOURS, "    uptime: 100.1%\n" + _PLATINUM_HOURS, "uptime: 100.1%",
     _BAD_UPTIME),
    ("NUL character in a name", "name: Studio Legale Bianchi", 'name: "Studio\\0 Legale Bianchi"', "Studio\\0",
     "customers[0].name: contains a NUL character"),
    ("uptime promise that is a word", _PLATINUM_HOURS, "    uptime: abc\n" + _PLATINUM_HOURS, "uptime: abc",
     _BAD_UPTIME),
]


@pytest.mark.parametrize("fresh", [True, False], ids=["empty-db", "applied-db"])
@pytest.mark.parametrize(("case", "old", "new", "at", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_names_line_and_field_and_leaves_the_database_unchanged(fresh, case, old, new, at, message):
    if not fresh:
        apply(example())
    before = export_yaml()
    text = example().replace(old, new, 1)
    assert text != example()
    with pytest.raises(ConfigErrors) as caught:
        apply(text)
    line = text[: text.rindex(at)].count("\n") + 1
    assert any(problem.startswith((f"custode.yaml:{line} ", f"custode.yaml:{line}:")) and message in problem for problem in caught.value.lines()), (
        line,
        caught.value.lines(),
    )
    assert export_yaml() == before


@pytest.mark.parametrize("written", ["99.9", '"99.9%"', "99.9 %"])
def test_a_plans_uptime_promise_applies_exports_and_applies_back_unchanged(written):
    text = example().replace(_PLATINUM_HOURS, f"    uptime: {written}\n" + _PLATINUM_HOURS, 1)
    assert apply(text).changes[("plan", "platinum")].action == "created"
    assert Plan.objects.get(key="platinum").uptime_target == 99.9
    assert Plan.objects.get(key="basic").uptime_target is None
    assert not apply(text).changed
    exported = export_yaml()
    assert "uptime: 99.9\n" in exported and exported.count("uptime:") == 1
    assert not apply(exported).changed and export_yaml() == exported


def test_a_changed_uptime_promise_is_an_update_of_the_plan():
    apply(example())
    report = apply(example().replace(_PLATINUM_HOURS, "    uptime: 99.5\n" + _PLATINUM_HOURS, 1))
    assert report.changes[("plan", "platinum")].fields == ("uptime_target",)
    assert Plan.objects.get(key="platinum").uptime_target == 99.5


def test_every_error_of_a_file_is_reported_at_once():
    text = example().replace("language: es\n", "language: fr\n").replace('url: "https://www.mirador', 'url: "www.mirador')
    with pytest.raises(ConfigErrors) as caught:
        apply(text)
    assert len(caught.value.problems) == 2


def test_missing_required_field_is_named():
    with pytest.raises(ConfigErrors) as caught:
        apply("customers:\n  - id: acme\n    language: en\n")
    assert caught.value.lines() == ["custode.yaml:2 customers[0].name: is required"]


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(ConfigErrors) as caught:
        apply("- just\n- a list\n")
    assert "must be a mapping" in caught.value.lines()[0]


def test_what_a_monitors_failure_means_applies_exports_and_applies_back_unchanged():
    text = example().replace("type: tcp, host: 192.0.2.20", "type: tcp, impact: degraded, tell_customer: true, "
                             "host: 192.0.2.20", 1)
    apply(text)
    rdp = Monitor.objects.get(key="bianchi-srv-rdp")
    assert (rdp.impact, rdp.tell_customer) == ("degraded", True)
    assert Monitor.objects.get(key="vps-01-heartbeat").impact == "job"
    assert Monitor.objects.get(key="bianchi-home").impact == "outage"
    exported = export_yaml()
    assert exported.count("impact:") == 1 and exported.count("tell_customer:") == 1
    assert not apply(exported).changed and export_yaml() == exported
