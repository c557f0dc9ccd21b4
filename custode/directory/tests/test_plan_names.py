"""A plan has a name customers read, one for all or one per language; its key stays the provider's own."""

from __future__ import annotations

import json

import pytest

from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.directory.models import Customer, Plan
from custode.testing import factories

pytestmark = pytest.mark.django_db

FILE = """\
plans:
  platinum:
    name: {it: Platino, en: Platinum, es: Oro}
  basic:
    name: Essenziale
customers:
  - id: acme
    name: Acme
    plan: platinum
"""


def apply(text: str):
    return apply_text(text, filename="custode.yaml")


def test_a_plan_is_named_in_each_language_or_once_for_all():
    apply(FILE)
    platinum, basic = Plan.objects.get(key="platinum"), Plan.objects.get(key="basic")
    assert [platinum.shown_name(lang) for lang in ("it", "en", "es")] == ["Platino", "Platinum", "Oro"]
    assert [basic.shown_name(lang) for lang in ("it", "en", "es")] == ["Essenziale"] * 3
    assert factories.plan("silver").shown_name("it") == "silver"
    assert factories.plan("gold", name={"en": "Gold"}).shown_name("es") == "Gold"


def test_a_plan_name_in_an_unknown_language_is_refused_at_its_line_and_nothing_is_applied():
    bad = FILE.replace("{it: Platino, en: Platinum, es: Oro}", "{it: Platino, de: Platin}")
    with pytest.raises(ConfigErrors) as caught:
        apply(bad)
    assert caught.value.lines() == ["custode.yaml:3 plans.platinum.name: unknown language 'de'; use one of it, en, es"]
    assert not Plan.objects.exists() and not Customer.objects.exists()


def test_plan_names_export_and_apply_back_unchanged():
    apply(FILE)
    exported = export_yaml()
    assert "Platino" in exported and "Essenziale" in exported
    report = apply(exported)
    assert not report.changed
    assert Plan.objects.get(key="platinum").name == {"it": "Platino", "en": "Platinum", "es": "Oro"}
    assert Plan.objects.get(key="basic").name == "Essenziale"


@pytest.mark.parametrize(("lang", "name"), [("it", "Platino"), ("en", "Platinum"), ("es", "Oro")])
def test_the_private_status_page_names_the_plan_in_the_readers_language_never_by_its_key(client, lang, name):
    factories.provider()
    customer = factories.customer("acme", plan=factories.plan("platinum", name={"it": "Platino", "en": "Platinum",
                                                                                "es": "Oro"}))
    html = client.get(f"/status/c/{customer.status_token}/?lang={lang}").content.decode()
    assert f"{name}," in html and "platinum" not in html
    doc = json.loads(client.get(f"/status/c/{customer.status_token}.json?lang={lang}").content)
    assert doc["plan"]["key"] == "platinum" and doc["plan"]["name"] == name
