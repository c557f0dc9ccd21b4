"""The public and private pages: what they show, in which language, and what they never show."""

import datetime as dt
import re

import pytest

from custode.status.tests.conftest import NOW, incident, rollups
from custode.status import selectors

pytestmark = pytest.mark.django_db


def test_public_page_shows_public_components_the_active_incident_and_the_contact_block(client, world):
    response = client.get("/status/stato/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    html = response.content.decode()
    assert "srv-1.retesicura.example" in html and "Core router" in html
    assert "Backup store interno" not in html  # provider asset not marked public
    assert "www.studiobianchi.example" not in html and "Studio Bianchi" not in html
    assert "srv-1.retesicura.example unreachable" in html and "Identified" in html and "Anna" in html
    assert "We have found the cause" in html
    assert "+39 0521 000000" in html and "assistenza@retesicura.example" in html
    assert 'href="https://retesicura.example/contatti"' in html
    assert "Times are shown in Italy Time." in html and "Europe/Rome" not in html
    assert re.search(r"<time datetime=\"[^\"]+\">[A-Z][a-z]+day \d+ [A-Z][a-z]+ \d{4}, \d\d:\d\d \(Italy Time\)</time>", html)
    assert "Partial outage" in html and "Scheduled maintenance" in html and "Router in panne" in html


@pytest.mark.parametrize("language, words", [
    ("it", ["Disservizio parziale", "srv-1.retesicura.example non raggiungibile", "Causa individuata",
            "Manutenzioni programmate", "Per parlare con Rete Sicura", "Gli orari sono espressi in ora Italia.", "Incidenti passati"]),
    ("en", ["Partial outage", "srv-1.retesicura.example unreachable", "Identified", "Scheduled maintenance",
            "Talk to Rete Sicura", "Times are shown in Italy Time.", "Past incidents"]),
    ("es", ["Interrupción parcial", "srv-1.retesicura.example no accesible", "Causa identificada",
            "Mantenimientos programados", "Para hablar con Rete Sicura", "Las horas corresponden a la hora de Italia.",
            "Incidencias anteriores"]),
])
def test_public_page_speaks_the_browsers_language(client, world, language, words):
    response = client.get("/status/stato/", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")
    html = response.content.decode()
    assert response["Content-Language"] == language and f'<html lang="{language}">' in html
    missing = [w for w in words if w not in html]
    assert not missing, missing


def test_the_switcher_overrides_the_browsers_language_and_marks_the_current_one(client, world):
    html = client.get("/status/stato/?lang=es", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<html lang="es">' in html and "Interrupción parcial" in html
    assert re.search(r'<a href="\?lang=es"[^>]*aria-current="true"', html)
    assert 'href="?lang=it"' in html and 'href="?lang=en"' in html


def test_a_private_page_speaks_the_customers_language_unless_switched(client, world):
    url = f"/status/c/{world.mirador.status_token}/"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="it")["Content-Language"] == "es"
    assert "Estado de los servicios de Hotel Mirador" in client.get(url).content.decode()
    assert "Stato dei servizi di Hotel Mirador" in client.get(url + "?lang=it").content.decode()


def test_a_private_page_names_the_customers_plan_in_their_language(client, world):
    from custode.testing import factories

    world.bianchi.plan = factories.plan("basic", support_hours="mon-fri 09:00-18:00")
    world.bianchi.save()
    html = client.get(f"/status/c/{world.bianchi.status_token}/").content.decode()
    assert "Il Suo contratto: basic, assistenza lun-ven 09:00-18:00." in html
    assert "basic, support Mon-Fri 09:00-18:00." in client.get(
        f"/status/c/{world.bianchi.status_token}/?lang=en").content.decode()


def test_an_unknown_language_or_page_number_is_a_clear_400(client, world):
    response = client.get("/status/stato/?lang=de")
    assert response.status_code == 400 and "lang: unknown language 'de'; use one of it, en, es" in response.content.decode()
    response = client.get(f"/status/c/{world.bianchi.status_token}/?page=abc")
    assert response.status_code == 400 and "page: 'abc' is not a page number" in response.content.decode()
    assert client.get("/status/stato/?page=0").status_code == 400


def test_a_page_of_past_incidents_beyond_the_last_is_not_found(client, world):
    assert client.get("/status/stato/?page=1").status_code == 200
    assert client.get("/status/stato/?page=2").status_code == 404


def test_past_incidents_are_paginated_newest_first(client, world):
    for n in range(12):
        opened = NOW - dt.timedelta(days=10 + n)
        incident(world.router, opened_at=opened, resolved_at=opened + dt.timedelta(hours=1), status="resolved",
                 title=f"Guasto numero {n:02}")
    first = client.get("/status/stato/?lang=en").content.decode()
    second = client.get("/status/stato/?lang=en&page=2").content.decode()
    assert first.index("Router in panne") < first.index("Guasto numero 00") < first.index("Guasto numero 08")
    assert "Guasto numero 09" not in first and "Page 1 of 2" in first and 'rel="next"' in first
    assert "Guasto numero 09" in second and "Guasto numero 11" in second and "Router in panne" not in second


@pytest.mark.parametrize("url", ["/status/nope/", "/status/nope.json", "/status/nope/feed.atom",
                                 "/status/nope/badge/srv-1.svg", "/status/c/not-a-token/",
                                 "/status/c/not-a-token.json", "/status/c/not-a-token/feed.atom",
                                 "/status/stato/badge/bianchi-site.svg", "/status/stato/badge/backup-store.svg"])
def test_unknown_pages_tokens_and_components_are_not_found(client, world, url):
    assert client.get(url).status_code == 404


def test_there_is_no_public_page_before_the_provider_names_one(client, world):
    world.provider.status_slug = ""
    world.provider.save()
    assert client.get("/status/stato/").status_code == 404


def test_each_component_has_a_90_day_bar_with_a_tooltip_per_day(client, world):
    tz = selectors.wording.zone("Europe/Rome")
    # two days back: the world's open incidents began minutes ago, which soon after midnight is yesterday. Counted
    # from the clock now, as the page does, not from NOW, read when the module was imported: a run that crosses
    # Rome's midnight in between would put the bar a day off
    earlier = dt.datetime.now(dt.UTC).astimezone(tz).date() - dt.timedelta(days=2)
    start = dt.datetime.combine(earlier, dt.time(), tzinfo=tz)
    rollups(world.monitors.server, start=start, hours=24, up_ratio=0.5)
    rollups(world.monitors.router, start=start, hours=24)
    html = client.get("/status/stato/?lang=it").content.decode()
    server = html[html.index('id="component-srv-1"'):html.index('id="component-core-router"')]
    days = re.findall(r'<li class="day day-(\w+)" title="([^"]+)"></li>', server)
    assert len(days) == 90
    assert days[-3] == ("outage", f"{selectors.wording.day(start, tz, 'it')} {earlier.year}: 50,00% di "
                        "disponibilità · nessun incidente")
    assert days[-1][0] == "minor" and days[-1][1].endswith("nessun dato · 1 incidente")  # today: the open incident
    assert days[0][0] == "none"
    assert "Ultimi 90 giorni: 50,00% di disponibilità" in server
    router = html[html.index('id="component-core-router"'):]
    assert re.findall(r'<li class="day day-(\w+)"', router)[-3] == "ok"


def test_uptime_days_follow_the_providers_timezone(world):
    tz = selectors.wording.zone("Europe/Rome")
    today = NOW.astimezone(tz).date()
    local_midnight = dt.datetime.combine(today, dt.time(), tzinfo=tz)
    rollups(world.monitors.router, start=local_midnight - dt.timedelta(hours=1), hours=1, up_ratio=0)  # 23:00 local
    rollups(world.monitors.router, start=local_midnight, hours=1)
    days = selectors.day_range(NOW, tz)
    bars = selectors.uptime_by_day([world.router.pk], days, tz)
    assert bars[(world.router.pk, today - dt.timedelta(days=1))] == (0, 60)
    assert bars[(world.router.pk, today)] == (60, 60)


def test_groups_whose_components_all_work_are_collapsed(client, world):
    html = client.get("/status/stato/?lang=en").content.decode()
    assert re.search(r'<details class="group">\s*<summary><span class="group-name">Network device', html)
    assert re.search(r'<details class="group" open>\s*<summary><span class="group-name">Server', html)


def test_maintenance_shows_on_the_pages_of_those_it_touches(client, world):
    public = client.get("/status/stato/?lang=es").content.decode()
    assert "Mantenimiento programado" in public and "Desde el" in public
    bianchi = client.get(f"/status/c/{world.bianchi.status_token}/").content.decode()
    assert "Manutenzione programmata" not in bianchi  # the router is not something Bianchi needs


def test_a_held_incident_is_not_shown_until_customers_are_told(client, world):
    held = incident(world.router, opened_at=NOW, title="Router lento")
    held.confirmed_at = None
    held.save()
    assert "Router lento" not in client.get("/status/stato/").content.decode()
    held.confirmed_at = NOW
    held.save()
    assert "Router lento" in client.get("/status/stato/").content.decode()
