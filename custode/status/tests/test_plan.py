"""A customer's private page shows the uptime their plan promises against what their own services did over
the page's 90 days; the public page says nothing of plans."""

import datetime as dt
import json

import pytest

from custode.status.tests.conftest import NOW, rollups
from custode.testing import factories

pytestmark = pytest.mark.django_db

HOUR = NOW.replace(minute=0, second=0)


def _promise(world, target=99.9):
    world.bianchi.plan = factories.plan("platinum", uptime_target=target)
    world.bianchi.save()


def _measured(world, *, down_checks):
    """Bianchi's site: 10,000 checks over the last days, DOWN_CHECKS of them failed in one hour."""
    start = HOUR - dt.timedelta(days=5)
    rollups(world.monitors.site_a, start=start, hours=99, per_hour=100)
    rollups(world.monitors.site_a, start=start + dt.timedelta(hours=99), hours=1, per_hour=100,
            up_ratio=(100 - down_checks) / 100)


def _page(client, world, lang):
    return client.get(f"/status/c/{world.bianchi.status_token}/?lang={lang}").content.decode()


def _json(client, customer, lang="en"):
    return json.loads(client.get(f"/status/c/{customer.status_token}.json?lang={lang}").content)


@pytest.mark.parametrize(("lang", "sentence"), [
    ("en", "Your plan promises 99.9% uptime; over the last 90 days your services were up 99.97% of the time."),
    ("it", "Il Suo contratto prevede una disponibilità del 99,9%; negli ultimi 90 giorni i Suoi servizi sono "
           "stati disponibili per il 99,97% del tempo."),
    ("es", "Su plan garantiza una disponibilidad del 99,9%; en los últimos 90 días sus servicios estuvieron "
           "disponibles el 99,97% del tiempo."),
])
def test_the_private_page_shows_the_promised_and_the_measured_uptime_in_the_readers_language(
        client, world, lang, sentence):
    _promise(world)
    _measured(world, down_checks=3)
    html = _page(client, world, lang)
    assert sentence in html
    assert 'class="tag tag-below"' not in html


@pytest.mark.parametrize(("lang", "mark"), [
    ("en", "below what your plan promises"),
    ("it", "inferiore a quanto previsto dal Suo contratto"),
    ("es", "por debajo de lo que garantiza su plan"),
])
def test_an_uptime_below_the_promise_is_marked_as_such(client, world, lang, mark):
    _promise(world)
    _measured(world, down_checks=100)  # 99.00%
    html = _page(client, world, lang)
    assert f'<strong class="tag tag-below">{mark}</strong>' in html
    assert ("99.00%" if lang == "en" else "99,00%") in html


def test_the_measured_uptime_counts_only_the_customers_own_assets_within_the_page_days(client, world):
    _promise(world)
    _measured(world, down_checks=3)
    start = HOUR - dt.timedelta(days=2)
    rollups(world.monitors.server, start=start, hours=24, up_ratio=0.0)  # the provider's server they rely on
    rollups(world.monitors.site_b, start=start, hours=24, up_ratio=0.0)  # another customer's site
    rollups(world.monitors.site_a, start=HOUR - dt.timedelta(days=120), hours=24, up_ratio=0.0)  # long ago
    assert _json(client, world.bianchi)["plan"]["uptime_90d"] == 99.97


def test_the_private_json_carries_the_plan_its_promise_and_whether_it_was_kept(client, world):
    _promise(world)
    _measured(world, down_checks=3)
    assert _json(client, world.bianchi)["plan"] == {
        "key": "platinum", "name": "platinum", "uptime_target": 99.9, "uptime_90d": 99.97, "met": True}
    world.bianchi.plan.uptime_target = 99.99
    world.bianchi.plan.save()
    from django.core.cache import cache

    cache.clear()
    assert _json(client, world.bianchi)["plan"]["met"] is False


def test_a_promise_without_measurements_says_so_and_is_neither_kept_nor_broken(client, world):
    _promise(world, target=99.5)
    assert "Your plan promises 99.5% uptime; your services have no measurements over the last 90 days yet." in (
        _page(client, world, "en"))
    assert _json(client, world.bianchi)["plan"] == {
        "key": "platinum", "name": "platinum", "uptime_target": 99.5, "uptime_90d": None, "met": None}


def test_a_plan_without_an_uptime_target_makes_no_promise(client, world):
    world.bianchi.plan = factories.plan("basic")
    world.bianchi.save()
    _measured(world, down_checks=3)
    html = _page(client, world, "en")
    assert "Your plan: basic" in html and "promises" not in html and "tag-below" not in html
    assert _json(client, world.bianchi)["plan"] == {
        "key": "basic", "name": "basic", "uptime_target": None, "uptime_90d": 99.97, "met": None}
    assert _json(client, world.mirador)["plan"] is None  # no plan at all
    assert "Your plan" not in client.get(f"/status/c/{world.mirador.status_token}/?lang=en").content.decode()


def test_the_public_page_says_nothing_of_plans(client, world):
    _promise(world)
    world.mirador.plan = world.bianchi.plan
    world.mirador.save()
    _measured(world, down_checks=3)
    html = client.get("/status/stato/?lang=en").content.decode()
    assert "Your plan" not in html and "promises" not in html and "platinum" not in html
    assert "plan" not in json.loads(client.get("/status/stato.json?lang=en").content)
