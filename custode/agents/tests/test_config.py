"""An asset's ``agent:`` keys in the config file: applied, exported back, errors named by path; the agent's own
monitor is neither exported nor pruned nor listed with the config's monitors."""

from __future__ import annotations

import pytest
from django.test import Client

from custode.accounts.services import token_create
from custode.agents.models import MONITOR_TYPE, AgentWatch
from custode.agents.tests.conftest import enrolled
from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db

FILE = """\
provider: {name: Rete Sicura, timezone: Europe/Rome, language: it, contact: {phone: "+39 0521 000000", email: a@rs.example}}
customers:
  - id: bianchi
    name: Studio Bianchi
    assets:
      - id: bianchi-srv
        kind: server
        name: Server Bianchi
        agent: {load_per_core: 1.5, disk_percent: 85, for: 10m, services: [nginx]}
"""


def apply(text: str, **options):
    return apply_text(text, filename="custode.yaml", **options)


def test_agent_keys_are_applied_and_exported_back():
    apply(FILE)
    watch = AgentWatch.objects.get()
    assert (watch.load_per_core, watch.disk_percent, watch.memory_percent, watch.hold, watch.services) == (
        1.5, 85.0, None, 600, ["nginx"])
    assert "agent:\n" in export_yaml() and "for: 10m" in export_yaml()
    apply(export_yaml())
    assert AgentWatch.objects.count() == 1 and AgentWatch.objects.get().hold == 600


def test_agent_keys_left_out_of_the_file_take_the_defaults_again():
    apply(FILE)
    apply(FILE.replace("        agent: {load_per_core: 1.5, disk_percent: 85, for: 10m, services: [nginx]}\n", ""))
    assert not AgentWatch.objects.exists()


def test_a_wrong_agent_key_is_named_with_its_path():
    with pytest.raises(ConfigErrors) as raised:
        apply(FILE.replace("disk_percent: 85", "disk_percent: 185").replace("for: 10m", "fro: 10m"))
    text = str(raised.value)
    assert "customers[0].assets[0].agent.disk_percent" in text and "customers[0].assets[0].agent.fro" in text
    assert not AgentWatch.objects.exists()


def test_the_agents_monitor_is_not_exported_pruned_or_listed_with_the_config_monitors():
    apply(FILE)
    enrolled("bianchi-srv")
    assert "bianchi-srv-agent" not in export_yaml()
    apply(FILE, prune=True)
    assert Monitor.objects.filter(type=MONITOR_TYPE).exists()
    factories.staff("tech")
    _, secret = token_create(username="tech")
    listed = Client().get("/api/v1/monitors", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listed.status_code == 200 and "bianchi-srv-agent" not in listed.content.decode()
