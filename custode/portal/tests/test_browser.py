"""A real browser, at a phone's width, does what a Spanish contact does: asks for a link, follows the one a real
SMTP server (aiosmtpd) received, opens a request with a file, books a call, and sees both in the list, all in
Spanish.

Headless Chromium (/usr/bin/chromium) through Playwright, Custode's ASGI app and the mail server on free
loopback ports; screenshots go to CUSTODE_TEST_ARTIFACTS when set, else the test's temporary directory.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from django.db import connections

from custode.notify import delivery
from custode.notify.tests.peers import SmtpServer
from custode.portal.models import Callback, CallbackHours
from custode.status.tests.test_browser import artifacts, browser  # noqa: F401  (fixtures)
from custode.testing import factories
from custode.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture
def base_url(monkeypatch, settings):
    from django.db import connections

    from custode.asgi import application, status
    from custode.testing import asgi_server

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    with asgi_server.serving(application) as url:
        yield url
    if hasattr(application, "recorder"):
        application.recorder.close()
    status.close()


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


def delivered(smtp, to: str, count: int = 1, timeout: float = 20.0) -> list:
    """Run the notifier's delivery until TO has COUNT messages at the mail server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.step()
        mails = [m for m in smtp.mailbox.messages if to in m["To"]]
        if len(mails) >= count:
            return mails
        time.sleep(0.2)
    raise AssertionError(f"no mail for {to} within {timeout} s")


@pytest.fixture
def anna(world):
    staff = factories.staff("anna", language="it").staff
    CallbackHours.objects.create(staff=staff, hours="mon-sun 00:00-24:00")
    return staff


def test_a_spanish_contact_logs_in_from_the_mail_opens_a_request_and_books_a_call(
        world, anna, settings, monkeypatch, request, base_url, smtp, browser, artifacts):  # noqa: F811
    settings.BASE_URL = base_url
    # Playwright's sync API keeps an event loop in this thread; the test's own reads and the notifier's
    # delivery step run between its calls, never at the same time as it. They run in Playwright's context,
    # so on a database connection of their own, closed at the end (else PostgreSQL cannot drop the database)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    request.addfinalizer(connections.close_all)
    page = browser.new_page(locale="es-ES", viewport={"width": 390, "height": 844})

    page.goto(f"{base_url}/portal/login")
    page.get_by_label("Dirección de correo").fill("lucia@mirador.example")
    page.get_by_role("button", name="Envíenme el enlace").click()
    expect(page.get_by_text("le estamos enviando un enlace para entrar")).to_be_visible()
    [mail] = delivered(smtp, "lucia@mirador.example")
    assert mail["Subject"] == "Su enlace al portal de clientes de Rete Sicura"
    link = re.search(r"http://127\.0\.0\.1:\d+/portal/login/\S+/", mail.get_content()).group(0)

    page.goto(link)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Sus solicitudes")).to_be_visible()
    expect(page.get_by_text("Para hablar con Rete Sicura")).to_be_visible()
    page.screenshot(path=str(artifacts / "portal-tickets-es.png"), full_page=True)

    page.get_by_role("link", name="Nueva solicitud").first.click()
    page.get_by_label("Asunto").fill("El NAS pita")
    page.get_by_label("Servicio afectado").select_option(label="NAS recepción")
    page.get_by_label("Prioridad").select_option("high")
    page.get_by_label("Descripción").fill("Desde esta mañana, cada diez minutos.")
    page.get_by_label("Adjuntar archivos").set_input_files(
        [{"name": "pitido.txt", "mimeType": "text/plain", "buffer": b"beep beep"}])
    page.get_by_role("button", name="Abrir la solicitud").click()
    expect(page.get_by_role("heading", name=re.compile("El NAS pita"))).to_be_visible()
    expect(page.get_by_role("link", name="pitido.txt")).to_be_visible()

    page.get_by_role("link", name="Llámenme").click()
    page.locator("input[name=start]").first.check()
    page.get_by_label("Número al que llamar").fill("+34 971 000 111")
    page.get_by_label("¿De qué se trata?").fill("Copias de seguridad")
    page.get_by_role("button", name="Reservar la llamada").click()
    expect(page.get_by_text("Su llamada está reservada")).to_be_visible()
    page.screenshot(path=str(artifacts / "portal-callback-es.png"), full_page=True)

    page.get_by_role("link", name="Solicitudes", exact=True).click()
    expect(page.get_by_role("link", name="El NAS pita")).to_be_visible()
    expect(page.get_by_role("link", name="Copias de seguridad")).to_be_visible()

    call = Callback.objects.get()
    assert call.staff == anna and call.ticket.channel == Channel.PHONE
    made = Ticket.objects.get(customer=world.mirador, channel=Channel.PORTAL, subject="El NAS pita")
    assert [bytes(a.data) for a in made.replies.get().attachments.all()] == [b"beep beep"]
    confirmation = delivered(smtp, "lucia@mirador.example", count=2)[-1]
    # the subject names the call's day: an all-ASCII subject of 70 to 77 characters ("lunes 11 de enero, 10:15";
    # most days outside December, where "diciembre" makes it longer) is folded whole onto the line after
    # "Subject:", and unfolding keeps the fold's leading space
    assert confirmation["Subject"].lstrip().startswith(f"[#{call.ticket.number}] Llamada reservada para el ")
    [notice] = delivered(smtp, "anna@example.com")
    assert [p.get_filename() for p in notice.iter_attachments()] == ["callback.ics"]
