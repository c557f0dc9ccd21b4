"""A real browser loads the public and a private page during an incident, over real HTTP.

Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright; the screenshots are kept in
CUSTODE_TEST_ARTIFACTS when set, else in the test's temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from custode.testing.services import require_service

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def base_url(monkeypatch):
    """The real ASGI app on loopback. Its request threads close their connections after each request,
    so PostgreSQL lets the test database be flushed and dropped afterwards."""
    from django.db import connections

    from custode.asgi import application, status
    from custode.testing.asgi_server import serving

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)

    with serving(application) as url:
        yield url
    if hasattr(application, "recorder"):
        application.recorder.close()
    status.close()


@pytest.fixture
def browser():
    require_service("Chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def artifacts(tmp_path) -> Path:
    folder = Path(os.environ.get("CUSTODE_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser, url: str, shot: Path, locale: str):
    page = browser.new_page(locale=locale, viewport={"width": 1000, "height": 1400})
    response = page.goto(url)
    assert response.status == 200
    page.screenshot(path=str(shot), full_page=True)
    return page


def test_a_browser_shows_the_incident_the_contact_block_and_the_bars(world, base_url, browser, artifacts):
    public = _open(browser, f"{base_url}/status/stato/", artifacts / "status-public.png", "it-IT")
    assert public.locator("html").get_attribute("lang") == "it"
    incident = public.get_by_role("heading", name="srv-1.retesicura.example non raggiungibile")
    assert incident.is_visible()
    assert public.get_by_text("Causa individuata").first.is_visible()
    assert public.get_by_role("link", name="+39 0521 000000").is_visible()
    server_bar = public.locator("#component-srv-1 .bar .day")
    assert server_bar.count() == 90 and server_bar.last.bounding_box()["height"] > 10
    assert public.get_by_role("img", name="Ultimi 90 giorni: nessun dato").first.is_visible()

    private = _open(browser, f"{base_url}/status/c/{world.mirador.status_token}/",
                    artifacts / "status-private-mirador.png", "it-IT")
    assert private.locator("html").get_attribute("lang") == "es"  # the customer's language, not the browser's
    assert private.get_by_role("heading", name="NAS Mirador recepción no accesible").is_visible()
    assert private.get_by_role("link", name="assistenza@retesicura.example").is_visible()
    assert private.locator("#component-mirador-site .bar .day").count() == 90
    assert "Studio Bianchi" not in private.content()
    assert (artifacts / "status-public.png").stat().st_size > 10_000


def test_a_component_in_an_active_incident_is_never_shown_operational(acme, base_url, browser, artifacts):
    customer, _ = acme
    page = _open(browser, f"{base_url}/status/c/{customer.status_token}/",
                 artifacts / "status-private-incident-es.png", "es-ES")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="db-host.retesicura.example no accesible").is_visible()
    assert page.get_by_role("status").get_by_text("Interrupción grave").is_visible()
    services = page.locator("section[aria-labelledby=components-heading]")
    assert "Operativo" not in services.inner_text()
    for key in ("acme-site", "acme-db"):
        state = page.locator(f"#component-{key} .component-head .state")
        assert state.is_visible() and state.inner_text() == "Degradado"
    headings = services.locator("details.group > summary .state")
    assert headings.all_inner_texts() == ["Con incidencias"] * 3


def test_a_browser_subscribes_from_the_public_page_and_confirms_with_the_button(world, base_url, browser, artifacts):
    import re

    from playwright.sync_api import expect

    from custode.notify.models import Message
    from custode.subscriptions.models import Subscriber

    page = browser.new_page(locale="es-ES")
    page.goto(f"{base_url}/status/stato/")
    page.get_by_role("link", name="Reciba las actualizaciones por correo electrónico o webhook").click()
    page.get_by_label("Su dirección de correo electrónico").fill("lucia@example.org")
    page.get_by_label("Core router").check()
    page.get_by_role("button", name="Suscribirse").click()
    expect(page.get_by_role("status").get_by_text("Gracias")).to_be_visible()  # the form's answer may still be loading
    page.screenshot(path=str(artifacts / "status-subscribed.png"), full_page=True)

    body = _outside_the_loop(lambda: Message.objects.get(recipient="lucia@example.org").body)
    link = re.search(r"/status/stato/subscribe/confirm/\S+/", body).group(0)
    page.goto(base_url + link)
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_role("status").get_by_text("Suscripción confirmada")).to_be_visible()
    active, language, keys = _outside_the_loop(lambda: (
        (s := Subscriber.objects.get()).active, s.language, [a.key for a in s.components.all()]))
    assert active and language == "es" and keys == ["core-router"]


def _outside_the_loop(read):
    """READ the database from a thread of its own: Playwright's sync API runs an event loop in this one."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return read()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
