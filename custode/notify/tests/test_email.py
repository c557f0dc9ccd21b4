"""E-mail delivery against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.smtp import AuthResult
from django.utils import timezone

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import enqueue
from custode.lib.env import SettingError
from custode.notify.tests.peers import SmtpServer
from custode.notify.timeouts import SmtpTimeouts, smtp_timeouts_from_env
from custode.notify.transports.email import parse_url
from custode.testing import factories

pytestmark = pytest.mark.django_db


def test_an_email_arrives_with_its_headers_and_a_utf8_body(smtp, settings):
    settings.MAIL_FROM = ""
    factories.provider(name="Rete Sicura", contact_email="assistenza@retesicura.example")
    body = "Il sito è di nuovo raggiungibile: grazie per la pazienza.\n— Giulia Ferri, +39 0521 000000 (€ 0)\n"
    message = enqueue(recipient="anna@example.com", recipient_name="Anna Bianchi", subject="Risolto: sito già su",
                      body=body, headers={"List-Unsubscribe": "<https://status.example/unsubscribe/abc>"})

    assert delivery.step() is True

    [mail] = smtp.mailbox.wait_for(1)
    assert mail["From"] == "Rete Sicura <assistenza@retesicura.example>"
    assert mail["To"] == "Anna Bianchi <anna@example.com>"
    assert mail["Subject"] == "Risolto: sito già su"
    assert mail["List-Unsubscribe"] == "<https://status.example/unsubscribe/abc>"
    assert mail["Message-ID"].startswith(f"<{message.pk}.") and mail["Message-ID"].endswith("@retesicura.example>")
    assert mail["Date"].datetime.tzinfo is not None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail["Content-Transfer-Encoding"] == "quoted-printable"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content().replace("\r\n", "\n") == body
    assert smtp.mailbox.envelopes == [("assistenza@retesicura.example", ["anna@example.com"])]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 1, "")
    assert message.sent_at is not None and message.leased_until is None
    assert delivery.step() is False


def test_custode_mail_from_is_the_sender_when_set(smtp, settings):
    settings.MAIL_FROM = "noc@msp.example"
    factories.provider(name="Rete Sicura", contact_email="assistenza@retesicura.example")
    enqueue(recipient="anna@example.com")
    delivery.step()
    [mail] = smtp.mailbox.wait_for(1)
    assert mail["From"] == "Rete Sicura <noc@msp.example>"
    assert smtp.mailbox.envelopes[0][0] == "noc@msp.example"


def test_a_server_that_is_down_means_a_retry_with_backoff_then_one_delivery_when_it_is_back(settings):
    server = SmtpServer()  # its port is closed until started
    settings.SMTP_URL = server.url
    message = enqueue()
    now = timezone.now()

    assert delivery.step(now=now) is True
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.attempts == 1
    assert message.last_error == f"SMTP 127.0.0.1:{server.port}: connection refused"
    assert timedelta(seconds=8.9) < message.next_attempt_at - now < timedelta(seconds=11.1)
    assert message.leased_until is None
    assert delivery.step(now=now + timedelta(seconds=5)) is False

    server.start()
    try:
        assert delivery.step(now=now + timedelta(seconds=12)) is True
        assert delivery.step(now=now + timedelta(hours=2)) is False
        assert len(server.mailbox.wait_for(1)) == 1
    finally:
        server.stop()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 2, "")


def test_messages_for_an_unreachable_server_wait_for_one_of_them_to_try_it_and_count_no_attempts(settings):
    server = SmtpServer()  # its port is closed until started
    settings.SMTP_URL = server.url
    messages = [enqueue() for _ in range(5)]
    now = timezone.now()
    delivery.step(now=now)
    rows = Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("id")
    assert [m.attempts for m in rows] == [1, 0, 0, 0, 0]
    assert {m.status for m in rows} == {Message.Status.PENDING}
    [probe_at] = {m.next_attempt_at for m in rows}
    assert timedelta(seconds=9) < probe_at - now <= timedelta(seconds=10.5)

    delivery.step(now=probe_at)
    assert sum(m.attempts for m in rows.all()) == 2  # again one message tried it; the rest waited


def test_after_a_long_outage_everything_waiting_goes_within_30_seconds_of_the_server_answering(settings):
    server = SmtpServer()
    settings.SMTP_URL = server.url
    messages = [enqueue() for _ in range(3)]
    Message.objects.update(attempts=12)  # on its own backoff, each would wait an hour before its next try
    now, gaps = timezone.now(), []
    for _ in range(5):
        delivery.step(now=now)
        due = min(Message.objects.values_list("next_attempt_at", flat=True))
        gaps.append(round((due - now).total_seconds()))
        now = due
    assert gaps == [10, 20, 30, 30, 30]
    server.start()
    try:
        delivery.step(now=now)
        assert len(server.mailbox.wait_for(3)) == 3
        assert not delivery.step(now=now + timedelta(hours=2))
    finally:
        server.stop()
    assert {m.status for m in Message.objects.all()} == {Message.Status.SENT}
    assert len(server.mailbox.messages) == 3


def test_a_temporarily_refused_recipient_backs_off_alone_and_others_still_go(smtp):
    refused, other = enqueue(recipient="busy@example.com"), enqueue(recipient="anna@example.com")
    Message.objects.filter(pk=refused.pk).update(attempts=5)
    now = timezone.now()
    delivery.step(now=now)
    refused.refresh_from_db()
    assert refused.status == Message.Status.PENDING and refused.last_error.startswith("SMTP: recipient refused: 450")
    assert timedelta(minutes=4) < refused.next_attempt_at - now < timedelta(minutes=6)  # its own backoff
    assert [m["To"] for m in smtp.mailbox.wait_for(1)] == ["anna@example.com"]
    assert Message.objects.get(pk=other.pk).status == Message.Status.SENT


def test_a_refused_recipient_fails_at_once_with_the_servers_words(smtp):
    message = enqueue(recipient="refused@example.com")
    delivery.step()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "SMTP: recipient refused: 550 5.1.1 <refused@example.com>: no such mailbox here"
    assert message.attempts == 1
    assert smtp.mailbox.messages == []


def test_without_custode_smtp_url_an_email_is_held_and_says_why(settings):
    settings.SMTP_URL = ""
    message = enqueue()
    assert delivery.step() is True
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.lease) == (
        Message.Status.HELD, 0, "CUSTODE_SMTP_URL is not set", "")
    assert delivery.step() is False  # held: not due again, whatever the clock says


@pytest.mark.parametrize("url, expected", [
    ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, False, "", "")),
    ("smtp://mail.example.com", ("mail.example.com", 25, False, False, "", "")),
    ("smtps://mail.example.com", ("mail.example.com", 465, True, False, "", "")),
    ("smtp://u%40x:p%3Aw@mail.example.com:587?starttls=true", ("mail.example.com", 587, False, True, "u@x", "p:w")),
])
def test_smtp_urls_name_host_port_tls_and_login(url, expected):
    server = parse_url(url)
    assert (server.host, server.port, server.tls, server.starttls, server.user, server.password) == expected


@pytest.mark.parametrize("url, problem", [
    ("http://mail.example.com", "must start with smtp:// or smtps://"),
    ("smtp://:25", "names no host"),
    ("smtp://mail.example.com:99999", "the port must be a number"),
    ("smtp://mail.example.com?starttls=yes please", "starttls='yes please': must be true or false"),
    ("smtp://mail.example.com?tls=true", "unknown option 'tls'"),
    ("smtps://mail.example.com?starttls=true", "smtps:// is TLS already"),
])
def test_smtp_urls_that_cannot_work_are_refused_with_the_reason(url, problem):
    with pytest.raises(ValueError, match=problem):
        parse_url(url)


def tls_login_server(smtp_ca, logins: list) -> SmtpServer:
    """A server that offers STARTTLS (certificate for 127.0.0.1 from SMTP_CA) and takes only ops@msp.example."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    smtp_ca.issue_cert("127.0.0.1").configure_cert(context)

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        accepted = (auth_data.login, auth_data.password) == (b"ops@msp.example", b"pa:ss")
        return AuthResult(success=accepted, handled=False)

    return SmtpServer(tls_context=context, require_starttls=True, auth_required=True, authenticator=authenticator)


def test_starttls_and_the_login_in_the_url_are_used(smtp_ca, trust_smtp_ca, settings):
    logins = []
    server = tls_login_server(smtp_ca, logins)
    server.start()
    try:
        settings.SMTP_URL = f"smtp://ops%40msp.example:pa%3Ass@127.0.0.1:{server.port}?starttls=true"
        message = enqueue()
        delivery.step()
        assert len(server.mailbox.wait_for(1)) == 1
    finally:
        server.stop()
    assert logins == [(b"ops@msp.example", b"pa:ss")]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_wrong_password_keeps_the_email_pending_with_the_servers_answer(smtp_ca, trust_smtp_ca, settings):
    server = tls_login_server(smtp_ca, [])
    server.start()
    try:
        settings.SMTP_URL = f"smtp://ops%40msp.example:wrong@127.0.0.1:{server.port}?starttls=true"
        message = enqueue()
        delivery.step()
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.last_error.startswith(f"SMTP 127.0.0.1:{server.port}: 535 ")


def test_without_a_sender_set_or_a_provider_address_the_sender_is_custode_at_this_host(smtp, settings):
    settings.MAIL_FROM = ""
    factories.provider(contact_email="")
    enqueue()
    delivery.step()
    [mail] = smtp.mailbox.wait_for(1)
    assert mail["From"].addresses[0].addr_spec == f"custode@{socket.getfqdn()}"


def test_smtp_waits_come_from_the_environment_and_a_value_that_is_not_a_duration_is_refused():
    timeouts = smtp_timeouts_from_env({"CUSTODE_SMTP_CONNECT_TIMEOUT": "3s", "CUSTODE_SMTP_DATA_TIMEOUT": "15m"})
    assert (timeouts.connect, timeouts.command, timeouts.data_start, timeouts.data_block, timeouts.data_end) == (
        3, 300, 120, 180, 900)
    assert smtp_timeouts_from_env({}) == SmtpTimeouts(connect=10, data_end=600)
    for value in ("ten minutes", "0s"):
        with pytest.raises(SettingError, match=f"CUSTODE_SMTP_DATA_TIMEOUT='{value}': must be a duration above zero"):
            smtp_timeouts_from_env({"CUSTODE_SMTP_DATA_TIMEOUT": value})
