"""Signing up, confirming and unsubscribing: double opt-in, limits, and nothing half-done on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.utils import translation

from custode.lib.changes import Invalid
from custode.notify.models import Message
from custode.subscriptions import services
from custode.subscriptions.models import Signup, Subscriber
from custode.subscriptions.tests.conftest import NOW, confirmation_of, confirmed, link_value, signed_up


@pytest.mark.parametrize(("language", "subject", "words"), [
    ("it", "Confermi l'iscrizione", "apra questo link"),
    ("en", "Please confirm your subscription", "open this link"),
    ("es", "Confirme su suscripción", "abra este enlace"),
])
def test_sign_up_mails_a_confirmation_link_in_the_chosen_language(world, language, subject, words):
    subscriber = signed_up(address="Lucia@Example.org", language=language, components=["vps-01"])
    message = confirmation_of(subscriber)
    assert (message.channel, message.recipient, message.language) == ("email", "Lucia@Example.org", language)
    assert message.subject.startswith(subject) and words in message.body
    assert "https://status.retesicura.example/status/stato/subscribe/confirm/" in message.body
    assert "vps-01.retesicura.example" in message.body
    assert "+39 0521 000000" in message.body  # signed with a way to reach a person
    assert subscriber.address == "lucia@example.org" and subscriber.confirmed_at is None


def test_confirming_sets_the_choice_carried_by_the_link(world):
    subscriber = confirmed(components=["core-router"], language="it")
    assert subscriber.active and subscriber.language == "it"
    assert [a.key for a in subscriber.components.all()] == ["core-router"]


def test_a_second_sign_up_changes_nothing_until_its_own_link_is_followed(world):
    subscriber = confirmed(components=["core-router"])
    again = signed_up(components=["vps-01"], now=NOW + dt.timedelta(minutes=1))
    assert again.pk == subscriber.pk and again.active
    assert [a.key for a in again.components.all()] == ["core-router"]
    services.confirm(link_value(confirmation_of(again)))
    assert [a.key for a in again.components.all()] == ["vps-01"]


def test_a_tampered_link_is_refused(world):
    value = link_value(confirmation_of(signed_up()))
    with pytest.raises(services.BadLink, match="not valid"):
        services.confirm(value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert not Subscriber.objects.get().active


def test_an_expired_link_is_refused_in_the_readers_language(world):
    value = link_value(confirmation_of(signed_up()))
    with translation.override("es"):
        with pytest.raises(services.BadLink, match="caducado"):
            services.confirm(_aged(value))
    assert not Subscriber.objects.get().active


def _aged(value: str) -> str:
    """VALUE signed as if eight days ago."""
    data = signing.loads(value, salt="custode.subscriptions.confirm")
    signer = signing.TimestampSigner(salt="custode.subscriptions.confirm")
    signer.timestamp = lambda: signing.b62_encode(int((NOW - dt.timedelta(days=8)).timestamp()))
    return signer.sign_object(data, compress=True)


def test_unsubscribing_twice_is_harmless_and_signing_up_again_needs_a_new_confirmation(world):
    subscriber = confirmed()
    assert services.unsubscribe(subscriber.token).unsubscribed_at is not None
    assert services.unsubscribe(subscriber.token).unsubscribed_at is not None
    assert services.unsubscribe("no-such-token") is None
    again = signed_up(now=NOW + dt.timedelta(minutes=5))
    assert again.pk == subscriber.pk and not again.active and again.confirmed_at is None


@pytest.mark.parametrize(("request_", "field", "words"), [
    (services.Request("email", "", "", "en"), "email", "Enter your e-mail address"),
    (services.Request("email", "lucia@", "", "en"), "email", "is not an e-mail address"),
    (services.Request("sms", "+39 333", "", "en"), "channel", "Choose e-mail or webhook"),
    (services.Request("webhook", "ftp://example.org/x", "a@example.org", "en"), "address", "starting with https"),
    (services.Request("webhook", "https://example.org/hook", "", "en"), "email", "Enter your e-mail address"),
    (services.Request("email", "lucia@example.org", "", "en", ("vps-01", "bianchi-web")), "components",
     "no component “bianchi-web”"),
    (services.Request("email", "lucia@example.org", "", "en", ("backup-nas",)), "components",
     "no component “backup-nas”"),
])
def test_bad_sign_ups_name_the_field_and_record_nothing(world, request_, field, words):
    with pytest.raises(Invalid) as error:
        services.subscribe(request_, ip="198.51.100.7", now=NOW)
    assert error.value.field == field and words in error.value.message
    assert not Subscriber.objects.exists() and not Signup.objects.exists() and not Message.objects.exists()


def test_webhooks_aimed_inward_are_refused_unless_allowed(world, settings):
    settings.SUBSCRIBER_WEBHOOKS = "public"
    for url in ("http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://localhost/x"):
        with pytest.raises(Invalid, match="public Internet address"):
            signed_up("webhook", url, email="ops@example.org")
    settings.SUBSCRIBER_WEBHOOKS = "off"
    with pytest.raises(Invalid, match="does not offer webhook"):
        signed_up("webhook", "https://hooks.example.org/x", email="ops@example.org")
    assert not Subscriber.objects.exists()


def test_sign_ups_are_limited_per_address(world):
    for minute in range(3):
        signed_up(address="lucia@example.org", ip=f"198.51.100.{minute}", now=NOW + dt.timedelta(minutes=minute))
    with pytest.raises(services.RateLimited) as limited:
        signed_up(address="LUCIA@example.org", ip="203.0.113.9", now=NOW + dt.timedelta(minutes=10))
    assert limited.value.retry_after == 50 * 60 + 1  # when the first of the three is an hour old
    assert Message.objects.filter(topic__startswith="subscriber:").count() == 3
    signed_up(address="lucia@example.org", ip="203.0.113.9", now=NOW + dt.timedelta(minutes=61))


def test_sign_ups_are_limited_per_ip(world):
    for n in range(10):
        signed_up(address=f"guest{n}@example.org", now=NOW + dt.timedelta(seconds=n))
    with pytest.raises(services.RateLimited):
        signed_up(address="guest10@example.org", now=NOW + dt.timedelta(minutes=1))
    signed_up(address="guest10@example.org", ip="198.51.100.8", now=NOW + dt.timedelta(minutes=1))
    assert not Subscriber.objects.filter(address="guest10@example.org", email="").exists()
    assert Subscriber.objects.count() == 11


def test_old_sign_up_records_are_dropped(world):
    signed_up(address="first@example.org", now=NOW)
    signed_up(address="second@example.org", now=NOW + dt.timedelta(days=2))
    assert Signup.objects.count() == 1
