"""A customer's ``owner``: the technician (a username under staff:) asked to review their monthly report. It applies
and exports back; one naming nobody is an error at its line, and nothing of the file is applied."""

from __future__ import annotations

import pytest

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.directory.models import Customer

pytestmark = pytest.mark.django_db

FILE = """\
staff:
  - {username: giulia, name: Giulia Sala, email: giulia@retesicura.example}
  - {username: marco, name: Marco Neri, email: marco@retesicura.example}
customers:
  - id: rossi
    name: Studio Rossi
    owner: giulia
  - id: verdi
    name: Verdi S.r.l.
"""


def apply(text: str):
    return apply_text(text, filename="custode.yaml")


def test_a_customers_owner_is_a_technician_and_exports_back():
    apply(FILE)
    assert Customer.objects.get(key="rossi").owner.user.username == "giulia"
    assert Customer.objects.get(key="verdi").owner is None
    assert "  name: Studio Rossi\n  owner: giulia\n" in export_yaml()
    assert apply(export_yaml()).changed is False
    apply(FILE.replace("owner: giulia", "owner: marco"))
    assert Customer.objects.get(key="rossi").owner.name == "Marco Neri"
    assert apply(FILE.replace("    owner: giulia\n", "")).changes[("customer", "rossi")].action == "updated"
    assert Customer.objects.get(key="rossi").owner is None


def test_an_owner_who_is_not_on_the_staff_is_refused_at_its_line_and_nothing_is_applied():
    with pytest.raises(ConfigErrors) as caught:
        apply(FILE.replace("owner: giulia", "owner: giula"))
    assert caught.value.lines() == [
        "custode.yaml:7 customers[0].owner: unknown staff member 'giula' (a username under staff:); "
        "staff: giulia, marco"]
    assert not Customer.objects.exists()


def test_an_owner_the_file_no_longer_lists_is_kept_without_prune_and_refused_with_it():
    apply(FILE)
    without = FILE.replace("  - {username: giulia, name: Giulia Sala, email: giulia@retesicura.example}\n", "")
    assert apply(without).kept == [("staff", "giulia")]  # still a technician: still the owner
    assert Customer.objects.get(key="rossi").owner.name == "Giulia Sala"
    with pytest.raises(ConfigErrors) as caught:
        apply_text(without, filename="custode.yaml", prune=True)
    assert caught.value.lines() == [
        "custode.yaml:6 customers[0].owner: unknown staff member 'giulia' (a username under staff:); staff: marco"]
    assert Customer.objects.get(key="rossi").owner.name == "Giulia Sala"


def test_an_owner_named_nowhere_is_said_once_with_prune():
    with pytest.raises(ConfigErrors) as caught:
        apply_text(FILE.replace("owner: giulia", "owner: nobody"), filename="custode.yaml", prune=True)
    assert caught.value.lines() == [
        "custode.yaml:7 customers[0].owner: unknown staff member 'nobody' (a username under staff:); "
        "staff: giulia, marco"]
