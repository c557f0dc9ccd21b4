"""An asset's ``licences:`` in the config file: applied, changed, removed, exported back; a wrong one is named by
file, line and field, and nothing of the file is applied."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.assets.models import Asset, Licence
from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors

pytestmark = pytest.mark.django_db

FILE = """\
customers:
  - id: bianchi
    name: Studio Bianchi
    assets:
      - id: bianchi-srv
        kind: server
        name: Server Bianchi
        warranty_until: 2027-03-12
        licences:
          - {name: Windows Server 2022, expires: 2027-06-30, seats: 16, key_hint: "…7QX2"}
          - name: Veeam Backup
            expires: 2027-01-15
infrastructure:
  - {id: vps-01, kind: server, name: vps-01}
"""


def apply(text: str, **options):
    return apply_text(text, filename="custode.yaml", **options)


def stored() -> list[tuple]:
    return list(Licence.objects.order_by("name").values_list("asset__key", "name", "expires", "seats", "key_hint"))


def test_licences_are_applied_and_a_second_apply_changes_nothing():
    report = apply(FILE)
    assert report.changes[("asset", "bianchi-srv")].action == "created"
    assert stored() == [("bianchi-srv", "Veeam Backup", dt.date(2027, 1, 15), None, ""),
                        ("bianchi-srv", "Windows Server 2022", dt.date(2027, 6, 30), 16, "…7QX2")]
    assert not apply(FILE).changed


def test_a_changed_licence_is_an_update_of_its_asset_and_one_left_out_is_removed():
    apply(FILE)
    report = apply(FILE.replace("expires: 2027-01-15", "expires: 2028-01-15").replace(
        '          - {name: Windows Server 2022, expires: 2027-06-30, seats: 16, key_hint: "…7QX2"}\n', ""))
    assert report.changes[("asset", "bianchi-srv")].fields == ("licences",)
    assert stored() == [("bianchi-srv", "Veeam Backup", dt.date(2028, 1, 15), None, "")]


def test_licences_are_exported_and_the_export_applies_back_unchanged():
    apply(FILE)
    exported = export_yaml()
    assert "licences:" in exported and "name: Windows Server 2022" in exported and "key_hint: …7QX2" in exported
    assert not apply(exported).changed
    assert export_yaml() == exported


def _line(text: str, at: str) -> int:
    return text[: text.rindex(at)].count("\n") + 1


BAD = [
    ("an expiry that is not a date", "expires: 2027-01-15", "expires: 2027-02-30", "2027-02-30",
     "customers[0].assets[0].licences[1].expires: must be a date like 2027-03-12"),
    ("an expiry that is a word", "expires: 2027-01-15", "expires: next year", "next year",
     "customers[0].assets[0].licences[1].expires: must be a date like 2027-03-12"),
    ("a licence without a name", "          - name: Veeam Backup\n            expires", "          - expires",
     "expires: 2027-01-15", "customers[0].assets[0].licences[1].name: is required"),
    ("a licence without an expiry", "            expires: 2027-01-15\n", "", "name: Veeam Backup",
     "customers[0].assets[0].licences[1].expires: is required"),
    ("an empty name", "name: Veeam Backup", 'name: ""', 'name: ""', "customers[0].assets[0].licences[1].name: "),
    ("no seats", "seats: 16", "seats: 0", "seats: 0", "customers[0].assets[0].licences[0].seats: "),
    ("an unknown key", "seats: 16", "seat: 16", "seat: 16", "customers[0].assets[0].licences[0].seat: unknown key"),
    ("a licence named twice", "name: Veeam Backup", "name: Windows Server 2022", "name: Windows Server 2022",
     "customers[0].assets[0].licences[1].name: duplicate licence of bianchi-srv id 'Windows Server 2022'"),
    ("a warranty that is not a date", "warranty_until: 2027-03-12", "warranty_until: 2027-13-45", "2027-13-45",
     "customers[0].assets[0].warranty_until: must be a date like 2027-03-12"),
]


@pytest.mark.parametrize("fresh", [True, False], ids=["empty-db", "applied-db"])
@pytest.mark.parametrize(("case", "old", "new", "at", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_licence_names_file_line_and_field_and_nothing_is_applied(fresh, case, old, new, at, message):
    if not fresh:
        apply(FILE)
    before = (export_yaml(), stored(), Asset.objects.count())
    text = FILE.replace(old, new, 1).replace("name: vps-01", "name: vps-01 renamed")  # a good change beside the bad
    assert text != FILE.replace("name: vps-01", "name: vps-01 renamed")
    with pytest.raises(ConfigErrors) as caught:
        apply(text)
    line = _line(text, at)
    assert any(p.startswith(f"custode.yaml:{line} ") and message in p for p in caught.value.lines()), (
        line, caught.value.lines())
    assert (export_yaml(), stored(), Asset.objects.count()) == before
