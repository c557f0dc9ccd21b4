"""The config file's report settings: a contact's ``reports: true`` marks them to receive the monthly report, the
provider's ``reports_review: true`` holds reports for staff; both are exported and apply back unchanged, and a
value that is not a boolean is refused naming its line and key, with nothing applied."""

from __future__ import annotations

import pytest
import yaml

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.reports.models import ReportRecipient
from custode.reports.services import review_required

FILE = """\
provider:
  name: Rete Sicura
  timezone: Europe/Rome
  contact: {phone: "+39 0521 000000", email: assistenza@retesicura.example}
  reports_review: true
customers:
  - id: rossi
    name: Studio Rossi
    contacts:
      - {name: Marco Rossi, email: marco@rossi.example, reports: true}
      - {name: Anna Rossi, email: anna@rossi.example}
"""


def test_report_settings_are_applied_exported_and_apply_back_unchanged(db):
    report = apply_text(FILE, filename="custode.yaml")
    assert review_required()
    assert list(ReportRecipient.objects.values_list("contact__name", flat=True)) == ["Marco Rossi"]
    assert report.changed
    exported = yaml.safe_load(export_yaml())
    assert exported["provider"]["reports_review"] is True
    assert [c.get("reports", False) for c in exported["customers"][0]["contacts"]] == [True, False]
    assert not apply_text(export_yaml(), filename="custode.yaml").changed


def test_unmarking_a_contact_stops_their_reports(db):
    apply_text(FILE, filename="custode.yaml")
    again = apply_text(FILE.replace(", reports: true", "").replace("reports_review: true", "reports_review: false"),
                       filename="custode.yaml")
    assert again.changed and not ReportRecipient.objects.exists() and not review_required()


def test_a_report_flag_that_is_not_a_boolean_names_line_and_key_and_applies_nothing(db):
    with pytest.raises(ConfigErrors) as refused:
        apply_text(FILE.replace("reports: true", "reports: often"), filename="custode.yaml")
    assert "custode.yaml:10 customers[0].contacts[0].reports" in str(refused.value)
    assert not ReportRecipient.objects.exists() and not review_required()
