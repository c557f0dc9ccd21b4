"""Notify targets from the environment (`notify_env`): a bot token or webhook key never sits in the file,
is never exported, and a variable that is missing is the file's error, naming where and which."""

from __future__ import annotations

import logging

import pytest
import yaml

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.directory.models import Contact, StaffProfile
from custode.notify.recipients import contact_recipients, staff_recipients

pytestmark = pytest.mark.django_db

TOKEN = "tgram://123456789:AAHsecretbottoken0000000000000000000/-100200300"
FILE = """\
staff:
  - username: domenico
    name: Domenico
    email: domenico@example.com
    notify_env: [CUSTODE_TEST_ONCALL]
customers:
  - id: hotel
    name: Hotel
    contacts:
      - {name: Carmen, email: carmen@example.com, notify: [email], notify_env: [CUSTODE_TEST_HOTEL_SLACK]}
"""
SLACK = "slack://TokenA/TokenB/TokenC/#alerts"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("CUSTODE_TEST_ONCALL", TOKEN)
    monkeypatch.setenv("CUSTODE_TEST_HOTEL_SLACK", SLACK)
    return monkeypatch


def apply(text: str):
    return apply_text(text, filename="custode.yaml")


def test_targets_are_read_from_the_variables_and_only_their_names_are_stored_or_exported(env):
    apply(FILE)
    assert [r.address for r in staff_recipients()] == [TOKEN]
    carmen = Contact.objects.get(name="Carmen")
    assert [r.address for r in contact_recipients(carmen)] == ["carmen@example.com", SLACK]

    exported = export_yaml()
    data = yaml.safe_load(exported)
    assert data["staff"][0]["notify_env"] == ["CUSTODE_TEST_ONCALL"]
    assert data["customers"][0]["contacts"][0]["notify_env"] == ["CUSTODE_TEST_HOTEL_SLACK"]
    assert "secretbottoken" not in exported and "TokenA" not in exported
    assert StaffProfile.objects.get().notify == [] and "secretbottoken" not in str(StaffProfile.objects.get().notify_env)
    assert not apply(exported).changed


def test_a_variable_that_is_not_set_is_an_error_naming_the_field_and_the_variable(env):
    env.delenv("CUSTODE_TEST_HOTEL_SLACK")
    with pytest.raises(ConfigErrors) as raised:
        apply(FILE)
    assert raised.value.lines() == [
        "custode.yaml:10 customers[0].contacts[0].notify_env[0]: environment variable CUSTODE_TEST_HOTEL_SLACK is not set"
    ]
    assert not StaffProfile.objects.exists()


def test_a_variable_holding_no_target_is_an_error_that_does_not_show_its_value(env):
    env.setenv("CUSTODE_TEST_ONCALL", "123456789:AAHsecretbottoken")  # a bare token, not a URL
    with pytest.raises(ConfigErrors) as raised:
        apply(FILE)
    assert raised.value.lines() == [
        "custode.yaml:5 staff[0].notify_env[0]: environment variable CUSTODE_TEST_ONCALL must hold 'email' or an "
        "Apprise URL like tgram://bottoken/chatid"
    ]
    assert "secretbottoken" not in str(raised.value)


def test_a_variable_gone_from_the_notifiers_environment_is_logged_by_name_and_the_rest_still_hear(env, caplog):
    apply(FILE)
    env.delenv("CUSTODE_TEST_HOTEL_SLACK")
    with caplog.at_level(logging.WARNING, logger="custode.notify"):
        addresses = [r.address for r in contact_recipients(Contact.objects.get(name="Carmen"))]
    assert addresses == ["carmen@example.com"]
    assert "CUSTODE_TEST_HOTEL_SLACK" in caplog.text and "TokenA" not in caplog.text
