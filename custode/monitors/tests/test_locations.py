"""A monitor's locations and quorum in the config file: stored, exported back, and bad values refused by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.monitors.models import Monitor

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"
RDP = "type: tcp, host: 192.0.2.20"

pytestmark = pytest.mark.django_db


def apply(text: str):
    return apply_text(text, filename="custode.yaml")


def with_rdp(fields: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert RDP in text
    return text.replace(RDP, f"{RDP}, {fields}", 1)


def test_a_monitor_is_checked_from_the_local_location_alone_unless_told():
    apply(EXAMPLE.read_text(encoding="utf-8"))
    assert set(Monitor.objects.values_list("quorum", flat=True)) == {1}
    assert all(locations == ["local"] for locations in Monitor.objects.values_list("locations", flat=True))
    assert "locations" not in export_yaml() and "quorum" not in export_yaml()


def test_locations_and_quorum_apply_export_and_apply_back_unchanged():
    apply(with_rdp("locations: [milan, frankfurt, madrid], quorum: 2"))
    rdp = Monitor.objects.get(key="bianchi-srv-rdp")
    assert (rdp.locations, rdp.quorum) == (["milan", "frankfurt", "madrid"], 2)
    exported = export_yaml()
    assert "- milan\n" in exported and "quorum: 2" in exported
    assert not apply(exported).changed
    assert export_yaml() == exported


BAD = [
    ("quorum above the locations", "locations: [milan, madrid], quorum: 3", "quorum: 3",
     "monitors[0].quorum: must be between 1 and 2, the number of its locations, got 3"),
    ("quorum of one location", "quorum: 2", "quorum: 2",
     "monitors[0].quorum: must be 1 with one location, got 2"),
    ("quorum of none", "locations: [milan, madrid], quorum: 0", "quorum: 0",
     "monitors[0].quorum: must be between 1 and 2, the number of its locations, got 0"),
    ("a name that is not one", "locations: [milan, Frankfurt am Main]", "Frankfurt",
     "monitors[0].locations[1]: must be a location name of lowercase letters"),
    ("no location", "locations: []", "locations: []", "monitors[0].locations: must name at least one location"),
    ("a location twice", "locations: [milan, milan]", "locations: [milan, milan]",
     "monitors[0].locations: names 'milan' twice"),
]


@pytest.mark.parametrize(("fields", "at", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_locations_or_quorum_name_line_and_field_and_apply_nothing(fields, at, message):
    apply(EXAMPLE.read_text(encoding="utf-8"))
    before = export_yaml()
    text = with_rdp(fields)
    with pytest.raises(ConfigErrors) as caught:
        apply(text)
    line = text[: text.index(at)].count("\n") + 1
    assert any(problem.startswith(f"custode.yaml:{line} ") and message in problem for problem in caught.value.lines()), (
        line, caught.value.lines())
    assert export_yaml() == before
