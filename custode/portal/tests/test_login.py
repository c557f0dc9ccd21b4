"""Getting in: a one-time link by e-mail, 15 minutes, once; limits per address and IP; nothing told of who
is a customer; sessions that end."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client

from custode.notify.models import Message
from custode.portal import access, login
from custode.portal.models import LoginLink, LoginRequest
from custode.portal.tests.conftest import link_in, login_mail

pytestmark = pytest.mark.django_db


def test_a_known_address_is_mailed_a_link_in_its_contacts_language(client, world):
    response = client.post("/portal/login", {"email": " Lucia@Mirador.example "})
    assert response.status_code == 302
    mail = login_mail("lucia@mirador.example")
    assert mail.language == "es" and mail.audience == "customer" and mail.customer_id == world.mirador.pk
    assert "Su enlace al portal de clientes de Rete Sicura" in mail.subject
    assert "15 minutos" in mail.body and "Hotel Mirador" in mail.body
    assert link_in(mail).startswith("/portal/login/")
    assert LoginLink.objects.get().digest not in mail.body  # only a digest of the token is stored


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, world):
    known = client.post("/portal/login", {"email": "lucia@mirador.example"}, follow=True)
    unknown = client.post("/portal/login", {"email": "nobody@mirador.example"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert Message.objects.filter(key__startswith="portal-login:").count() == 1
    assert LoginRequest.objects.count() == 2


def test_the_link_page_asks_before_it_logs_in_and_the_link_works_once(client, world):
    client.post("/portal/login", {"email": "lucia@mirador.example"})
    path = link_in(login_mail("lucia@mirador.example"))
    shown = client.get(path)
    assert shown.status_code == 200 and "Iniciar sesión" in shown.content.decode()  # a mail scanner's GET spends nothing
    assert client.get("/portal/").status_code == 302
    assert client.post(path).status_code == 302
    assert "La impresora no imprime" in client.get("/portal/").content.decode()

    again = Client().post(path)
    assert again.status_code == 400
    assert "Este enlace ya se ha usado" in again.content.decode()


def test_a_link_older_than_15_minutes_is_refused_in_the_contacts_language(client, world):
    client.post("/portal/login", {"email": "marco@rossi.example"})
    path = link_in(login_mail("marco@rossi.example"))
    LoginLink.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    refused = client.post(path)
    assert refused.status_code == 400 and "Questo link è scaduto" in refused.content.decode()
    assert client.get("/portal/").status_code == 302
    assert LoginLink.objects.get().used_at is None


def test_a_made_up_link_is_refused(client, world):
    response = client.post("/portal/login/not-a-token/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and "no es válido" in response.content.decode()


def test_requests_are_limited_per_address_whether_it_is_known_or_not(client, world):
    for address in ("lucia@mirador.example", "ghost@mirador.example"):
        for n in range(login.LIMITS[0][1]):
            assert client.post("/portal/login", {"email": address}, REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
        limited = client.post("/portal/login", {"email": address, "lang": "it"}, REMOTE_ADDR="10.0.1.1")
        assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
        assert "Troppe richieste" in limited.content.decode()
    assert Message.objects.filter(key__startswith="portal-login:").count() == login.LIMITS[0][1]


def test_requests_are_limited_per_ip(client, world):
    most = login.LIMITS[2][1]
    for n in range(most):
        assert client.post("/portal/login", {"email": f"x{n}@example.com"}, REMOTE_ADDR="10.9.9.9").status_code == 302
    assert client.post("/portal/login", {"email": "lucia@mirador.example"}, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert login_mail("lucia@mirador.example") is None


def test_an_empty_address_is_refused_naming_the_field(client, world):
    response = client.post("/portal/login", {"email": "", "lang": "es"})
    assert response.status_code == 400 and "Escriba la dirección de correo" in response.content.decode()
    assert LoginRequest.objects.count() == 0


def test_logout_ends_the_session(as_lucia):
    assert as_lucia.get("/portal/").status_code == 200
    out = as_lucia.post("/portal/logout", follow=True)
    assert "Ha cerrado la sesión" in out.content.decode()
    assert as_lucia.get("/portal/").status_code == 302


def test_a_session_ends_by_itself(as_lucia):
    session = as_lucia.session
    session[access.UNTIL] = time.time() - 1
    session.save()
    assert as_lucia.get("/portal/")["Location"].startswith("/portal/login")


def test_a_forged_csrf_token_is_refused_in_the_contacts_language_and_nothing_is_recorded(world):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/portal/login")
    refused = browser.post("/portal/login", {"email": "lucia@mirador.example", "csrfmiddlewaretoken": "forged" * 6},
                           HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 403
    assert "No se ha registrado nada" in refused.content.decode()
    assert LoginRequest.objects.count() == 0 and login_mail("lucia@mirador.example") is None
