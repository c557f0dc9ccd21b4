"""`staff[].callbacks` and `provider.callback_slot` in the config file: applied, exported, and applied back
unchanged; a wrong value is the file's error naming line and field, and nothing is applied."""

from __future__ import annotations

import pytest
import yaml

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.portal.models import CallbackHours, CallbackSetup

pytestmark = pytest.mark.django_db

FILE = """\
provider:
  name: Rete Sicura
  timezone: Europe/Rome
  contact: {phone: "+39 0521 000000", email: assistenza@retesicura.example}
  callback_slot: 30m
staff:
  - username: anna
    name: Anna
    email: anna@example.com
    callbacks: "Mon-Fri  14:00-17:00"
  - username: bruno
    name: Bruno
"""


def apply(text: str):
    return apply_text(text, filename="custode.yaml")


def test_the_hours_and_the_slot_are_applied_exported_and_apply_back_unchanged():
    apply(FILE)
    assert CallbackSetup.get().slot == 1800
    assert list(CallbackHours.objects.values_list("staff__user__username", "hours")) == [("anna", "mon-fri 14:00-17:00")]
    data = yaml.safe_load(export_yaml())
    assert data["provider"]["callback_slot"] == "30m"
    assert data["staff"][0]["callbacks"] == "mon-fri 14:00-17:00" and "callbacks" not in data["staff"][1]
    assert not apply(export_yaml()).changed


def test_removing_the_hours_stops_the_bookings_and_is_reported():
    apply(FILE)
    report = apply(FILE.replace('    callbacks: "Mon-Fri  14:00-17:00"\n', ""))
    assert report.changes[("staff", "anna")].fields == ("callbacks",)
    assert not CallbackHours.objects.exists()


@pytest.mark.parametrize("old, new, where", [
    ('"Mon-Fri  14:00-17:00"', '"mon-fri 17:00-14:00"', "custode.yaml:10 staff[0].callbacks"),
    ("callback_slot: 30m", "callback_slot: 7m30s", "custode.yaml:5 provider.callback_slot"),
])
def test_a_wrong_value_names_line_and_field_and_applies_nothing(old, new, where):
    with pytest.raises(ConfigErrors) as refused:
        apply(FILE.replace(old, new))
    assert where in str(refused.value)
    assert not CallbackHours.objects.exists() and not CallbackSetup.objects.exists()
