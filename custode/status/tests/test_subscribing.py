"""Subscribing on the public page, as a visitor does: the form, the e-mail with the link, the button, the
messages with their one-click unsubscribe, over a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import time
from urllib.parse import urlsplit

import pytest

from custode.incidents import services as incidents
from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import smtp  # noqa: F401  (fixture)
from custode.subscriptions.models import Signup, Subscriber
from custode.subscriptions.services import LIMITS

PAGE = "/status/stato/subscribe/"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = "https://status.retesicura.example"


def deliver(mailbox, count, to="lucia@example.org"):
    """The COUNTth message to TO (staff without notify URLs are e-mailed too, so others arrive as well)."""
    delivery.step()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        mine = [m for m in mailbox.messages if to in m["To"]]
        if len(mine) >= count:
            return mine[count - 1]
        time.sleep(0.02)
    raise AssertionError(f"{count} message(s) to {to} never arrived")


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_a_visitor_subscribes_confirms_hears_of_an_incident_and_leaves_with_one_click(client, world, smtp):  # noqa: F811
    form = client.get(PAGE + "?lang=es").content.decode()
    assert "Recibir actualizaciones" in form and "Core router" in form and "srv-1.retesicura.example" in form
    assert "www.studiobianchi.example" not in form and "Backup store interno" not in form

    answer = client.post(PAGE + "?lang=es", {"lang": "es", "channel": "email", "email": "lucia@example.org",
                                            "component": ["core-router"]})
    assert answer.status_code == 302 and "sent=1" in answer["Location"]
    assert "Gracias" in client.get(answer["Location"]).content.decode()

    mail = deliver(smtp.mailbox, 1)
    assert mail["To"] == "lucia@example.org" and "Confirme su suscripción" in mail["Subject"]
    link = re.search(r"https://\S+/subscribe/confirm/\S+/", mail.get_content()).group(0)
    shown = client.get(path_of(link)).content.decode()
    assert "Confirmar" in shown and "Core router" in shown
    assert not Subscriber.objects.get().active  # opening the link is not confirming it
    assert "confirmada" in client.post(path_of(link)).content.decode()

    incident = incidents.incident_open(root_asset=world.router)
    alert = deliver(smtp.mailbox, 2)
    assert "Core router" in alert["Subject"] and "ya estamos trabajando" in alert["Subject"]
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = alert["List-Unsubscribe"].strip("<>")
    assert unsubscribe in alert.get_content()

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without cookies or anything else
    answer = client.post(path_of(unsubscribe), "List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "lucia@example.org" in answer.content.decode()
    incidents.incident_resolve(incident=incident)
    delivery.step()
    assert len([m for m in smtp.mailbox.messages if "lucia@example.org" in m["To"]]) == 2


def test_the_public_page_links_to_the_form_and_a_private_page_does_not(client, world):
    assert PAGE in client.get("/status/stato/").content.decode()
    assert "/subscribe/" not in client.get(f"/status/c/{world.bianchi.status_token}/").content.decode()


@pytest.mark.parametrize(("language", "fields", "words"), [
    ("it", {"channel": "email", "email": "lucia@"}, "non è un indirizzo e-mail"),
    ("en", {"channel": "email", "email": ""}, "Enter your e-mail address"),
    ("es", {"channel": "email", "email": "lucia@example.org", "component": ["mirador-site"]},
     "No hay ningún componente «mirador-site»"),
    ("en", {"channel": "webhook", "email": "ops@example.org", "url": "http://127.0.0.1:9/hook"},
     "public Internet address"),
    ("en", {"channel": "pigeon", "email": "ops@example.org"}, "Choose e-mail or webhook"),
])
def test_a_bad_sign_up_is_answered_400_in_the_readers_language_and_records_nothing(client, world, language,
                                                                                  fields, words):
    answer = client.post(f"{PAGE}?lang={language}", {"lang": language, **fields})
    assert answer.status_code == 400
    assert words in answer.content.decode()
    assert not Subscriber.objects.exists() and not Signup.objects.exists() and not Message.objects.exists()


def test_too_many_sign_ups_from_one_ip_get_429_with_retry_after(client, world):
    most = next(n for what, n, seconds in LIMITS if what == "ip" and seconds == 3600)
    for n in range(most):
        assert client.post(PAGE, {"channel": "email", "email": f"guest{n}@example.org"}).status_code == 302
    answer = client.post(PAGE + "?lang=it", {"channel": "email", "email": "one-more@example.org"})
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert "Troppe iscrizioni" in answer.content.decode()
    assert not Subscriber.objects.filter(address="one-more@example.org").exists()


def test_broken_and_unknown_links_are_4xx_pages_not_errors(client, world):
    assert client.get("/status/stato/subscribe/confirm/not-a-signed-value/?lang=en").status_code == 400
    assert "not valid" in client.post("/status/stato/subscribe/confirm/x:y:z/?lang=en").content.decode()
    answer = client.post("/status/stato/unsubscribe/no-such-token/?lang=es")
    assert answer.status_code == 404 and "no es válido" in answer.content.decode()
    assert client.get("/status/nope/subscribe/").status_code == 404
    assert client.put(PAGE).status_code == 405


def test_the_unsubscribe_page_asks_first_and_speaks_the_subscribers_language(client, world):
    subscriber = Subscriber.objects.create(channel="email", address="marco@example.org", email="marco@example.org",
                                           language="it", confirmed_at=dt.datetime.now(dt.UTC))
    page = client.get(f"/status/stato/unsubscribe/{subscriber.token}/").content.decode()
    assert "Non inviare più aggiornamenti a marco@example.org?" in page
    subscriber.refresh_from_db()
    assert subscriber.active
    client.post(f"/status/stato/unsubscribe/{subscriber.token}/")
    subscriber.refresh_from_db()
    assert not subscriber.active


def test_without_webhooks_the_form_offers_e_mail_only(client, world, settings):
    settings.SUBSCRIBER_WEBHOOKS = "off"
    form = client.get(PAGE + "?lang=en").content.decode()
    assert 'value="webhook"' not in form and 'name="url"' not in form
