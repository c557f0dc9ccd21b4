"""E-mail in and out of the desk, against a real Dovecot (IMAP, IMAPS) and a real SMTP server (aiosmtpd): mail
from a contact opens a ticket, from a stranger waits in triage, a reply threads onto its ticket, machines are
ignored, and a poll that dies half-way takes nothing twice."""

from __future__ import annotations

import base64
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.notifier import steps
from custode.notify.tests.peers import SmtpServer
from custode.server.tests.processes import custode_env, running, shared_database_url
from custode.testing import factories
from custode.tickets import imap, inbox, poller, services
from custode.tickets.models import Attachment, Channel, InboundMail, Mailbox, Reply, Status, Ticket

pytestmark = pytest.mark.django_db
Outcome = InboundMail.Outcome


@pytest.fixture
def world(settings):
    settings.BASE_URL = "https://custode.example"
    settings.MAIL_MAX_ATTACHMENT = 1024
    factories.provider(timezone="Europe/Rome")
    acme = factories.customer("acme", name="Acme", language="it")
    beta = factories.customer("beta", name="Beta", language="es")
    return {
        "acme": acme, "beta": beta,
        "maria": factories.contact(acme, name="Maria Rossi", email="Maria.Rossi@Acme.example", language=None),
        "juan": factories.contact(beta, name="Juan", email="juan@beta.example", language="es"),
        "anna": factories.staff("anna", password=None, name="Anna Bianchi", phone="+39 333 1234567").staff,
    }


def mail(sender: str = "maria.rossi@acme.example", subject: str = "La stampante non stampa",
         body: str = "Si inceppa ogni volta.", *, attach: tuple[str, bytes] | None = None, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "assistenza@retesicura.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="acme.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if attach:
        message.add_attachment(attach[1], maintype="application", subtype="octet-stream", filename=attach[0])
    return bytes(message)


def poll(url: str) -> bool:
    return poller.poll(imap.parse_url(url))


def mailbox_row(url: str) -> Mailbox:
    return Mailbox.objects.get(name=imap.parse_url(url).name)


def test_a_mail_from_a_known_contact_opens_an_email_ticket_for_their_customer_with_its_attachments(dovecot, world):
    box = dovecot.mailbox()
    box.deliver(mail(attach=("errore.txt", b"paper jam 42")),
                mail(subject="Il log", body="Eccolo.", attach=("huge.bin", b"x" * 5000)))
    poll(box.url)
    first, second = Ticket.objects.order_by("number")
    assert (first.customer, first.contact, first.channel, first.subject) == (
        world["acme"], world["maria"], Channel.EMAIL, "La stampante non stampa")
    reply = first.replies.get()
    assert reply.body == "Si inceppa ogni volta." and reply.contact == world["maria"]
    assert [(a.name, bytes(a.data)) for a in reply.attachments.all()] == [("errore.txt", b"paper jam 42")]
    assert "huge.bin, 4 KB: not kept, larger than 1 KB" in second.replies.get().body
    assert not Attachment.objects.filter(name="huge.bin").exists()
    assert list(InboundMail.objects.order_by("uid").values_list("outcome", flat=True)) == [Outcome.OPENED] * 2
    assert mailbox_row(box.url).last_uid == 2


def test_the_attachments_are_listed_on_the_ticket_page_and_can_be_downloaded_by_staff(dovecot, world, client):
    box = dovecot.mailbox()
    box.deliver(mail(attach=("errore.txt", b"paper jam 42")))
    poll(box.url)
    ticket = Ticket.objects.get()
    client.force_login(world["anna"].user)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    attachment = Attachment.objects.get()
    assert "errore.txt" in page and f"/tickets/{ticket.number}/attachments/{attachment.pk}/" in page
    download = client.get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download.content == b"paper jam 42"
    assert 'filename="errore.txt"' in download["Content-Disposition"]
    assert client.get(f"/tickets/{ticket.number + 1}/attachments/{attachment.pk}/").status_code == 404


def test_a_mail_from_an_unknown_sender_waits_in_triage_until_staff_make_it_a_ticket_or_discard_it(dovecot, world):
    box = dovecot.mailbox()
    box.deliver(mail(sender="Luca <luca@nowhere.example>", subject="Preventivo", attach=("a.txt", b"a")),
                mail(sender="spam@nowhere.example", subject="Offerta"))
    poll(box.url)
    assert not Ticket.objects.exists()
    quote, offer = InboundMail.objects.order_by("uid")
    assert (quote.outcome, quote.reason) == (Outcome.TRIAGE, "luca@nowhere.example is not a contact of any customer")
    assert poller.triage_count() == 2

    ticket = inbox.triage_open(mail=quote.pk, customer="beta", staff=world["anna"])
    assert (ticket.customer, ticket.contact, ticket.channel, ticket.subject) == (world["beta"], None, "email", "Preventivo")
    assert ticket.replies.get().author_name == "Luca" and ticket.replies.get().attachments.count() == 1
    inbox.triage_discard(mail=offer.pk, staff=world["anna"])
    assert list(InboundMail.objects.order_by("uid").values_list("outcome", "decided_by")) == [
        (Outcome.CONVERTED, world["anna"].pk), (Outcome.DISCARDED, world["anna"].pk)]
    with pytest.raises(services.Invalid, match="no longer waiting for a decision"):
        inbox.triage_discard(mail=quote.pk)
    with pytest.raises(services.Invalid, match="unknown customer 'nobody'"):
        inbox.triage_open(mail=InboundMail.objects.create(
            mailbox=mailbox_row(box.url), uidvalidity=1, uid=99, taken_at=quote.taken_at, outcome=Outcome.TRIAGE).pk,
            customer="nobody")


def test_a_reply_threads_onto_its_ticket_by_the_number_in_the_subject_and_resumes_it_when_it_waited(dovecot, world):
    ticket = services.ticket_open(customer="acme", subject="VPN giù", body="Non entra nessuno.",
                                  contact=world["maria"].pk)
    services.ticket_set_status(ticket=ticket, status=Status.WAITING)
    box = dovecot.mailbox()
    box.deliver(mail(subject=f"Re: [#{ticket.number}] VPN giù", body="Ora va, grazie.\n\nOn Mon, Anna wrote:\n> Riprovi"))
    poll(box.url)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert list(ticket.replies.values_list("body", flat=True)) == ["Non entra nessuno.", "Ora va, grazie."]
    assert list(ticket.events.values_list("kind", flat=True))[-1] == "resumed"
    assert Ticket.objects.count() == 1 and InboundMail.objects.get().outcome == Outcome.REPLIED


def test_a_number_of_another_customers_ticket_does_not_let_a_stranger_write_on_it(dovecot, world):
    ticket = services.ticket_open(customer="beta", subject="Backup", body="?", contact=world["juan"].pk)
    box = dovecot.mailbox()
    box.deliver(mail(subject=f"[#{ticket.number}] Backup", body="I am Maria, not Juan"))
    poll(box.url)
    assert ticket.replies.count() == 1
    assert InboundMail.objects.get().reason == (
        f"answers ticket #{ticket.number} of Beta, but maria.rossi@acme.example is not one of that customer's contacts")


def test_a_public_staff_reply_is_emailed_in_the_contacts_language_signed_and_the_answer_threads_back(
        dovecot, world, settings):
    smtp = SmtpServer()
    smtp.start()
    settings.SMTP_URL = smtp.url
    try:
        box = dovecot.mailbox()
        box.deliver(mail(subject="Posta lenta", body="Le e-mail arrivano tardi."))
        poll(box.url)
        ticket = Ticket.objects.get()
        services.ticket_reply(ticket=ticket, body="Note only", public=False, staff=world["anna"])
        reply = services.ticket_reply(ticket=ticket, body="Abbiamo svuotato la coda.", staff=world["anna"])
        delivery.step()
        delivery.step()  # a second step sends nothing more
        [sent] = smtp.mailbox.wait_for(1)
        assert len(smtp.mailbox.messages) == 1 and Message.objects.get().status == Message.Status.SENT
        assert sent["To"] == "Maria Rossi <Maria.Rossi@Acme.example>"
        assert sent["Subject"] == f"[#{ticket.number}] Posta lenta"
        text = sent.get_content().replace("\r\n", "\n")
        assert text.startswith("Gentile Maria Rossi,\n\nAbbiamo svuotato la coda.\n\nCordiali saluti,\n\nAnna Bianchi\n"
                               "Tel. diretto +39 333 1234567")
        assert f"[#{ticket.number}] nell'oggetto" in text
        reply.refresh_from_db()
        assert sent["Message-ID"] == reply.message_id != ""
        assert sent["In-Reply-To"] == ticket.replies.first().message_id

        box.deliver(mail(subject="Re: Posta lenta", body="Grazie!", In_Reply_To=reply.message_id))
        poll(box.url)
        assert list(ticket.replies.values_list("body", flat=True))[-1] == "Grazie!"
        assert Ticket.objects.count() == 1
    finally:
        smtp.stop()


def test_a_staff_reply_to_a_spanish_contact_is_written_in_spanish(world):
    ticket = services.ticket_open(customer="beta", subject="Backup", body="¿Funciona?", contact=world["juan"].pk)
    services.ticket_reply(ticket=ticket, body="Sí.", staff=world["anna"])
    message = Message.objects.get()
    assert (message.recipient, message.language, message.subject) == ("juan@beta.example", "es", f"[#{ticket.number}] Backup")
    assert message.body.startswith("Hola, Juan:\n\nSí.\n\nUn saludo") or "Sí." in message.body


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X-Auto-Response-Suppress": "All"},
    {"Return-Path": "<>"},
], ids=lambda h: next(iter(h.items()))[0] + "=" + next(iter(h.values())))
def test_an_auto_reply_opens_nothing_and_answers_nothing(dovecot, world, headers):
    box = dovecot.mailbox()
    box.deliver(mail(subject="Fuori sede", body="Sono in ferie.", **headers))
    poll(box.url)
    row = InboundMail.objects.get()
    assert row.outcome == Outcome.IGNORED and row.reason
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_a_bounce_from_the_mailer_daemon_opens_nothing(dovecot, world):
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.acme.example>"
    report["To"] = "assistenza@retesicura.example"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.set_content("The mail could not be delivered.")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")
    box = dovecot.mailbox()
    box.deliver(bytes(report))
    poll(box.url)
    assert InboundMail.objects.get().outcome == Outcome.IGNORED
    assert not Ticket.objects.exists()


def test_a_poll_that_dies_after_opening_a_ticket_and_before_saving_the_uid_takes_nothing_twice(dovecot, world,
                                                                                              monkeypatch):
    box = dovecot.mailbox()
    box.deliver(mail(subject="Uno"), mail(subject="Due", attach=("a.txt", b"a")), mail(subject="Tre"))

    keep = Attachment.objects.bulk_create

    def killed(rows, *args, **kwargs):
        if rows:  # mail 2's: its ticket is written, its UID not yet saved
            raise KeyboardInterrupt("the process is killed here")
        return keep(rows, *args, **kwargs)

    monkeypatch.setattr(Attachment.objects, "bulk_create", killed)
    with pytest.raises(KeyboardInterrupt):
        poll(box.url)
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Uno"]
    monkeypatch.undo()
    poll(box.url)
    assert list(Ticket.objects.order_by("number").values_list("subject", flat=True)) == ["Uno", "Due", "Tre"]

    Mailbox.objects.update(last_uid=0)  # the UID saved nowhere: every mail is seen again
    poll(box.url)
    assert Ticket.objects.count() == 3 and InboundMail.objects.count() == 3 and Reply.objects.count() == 3


def test_a_folder_numbered_anew_is_read_again_and_known_by_message_id(dovecot, world):
    box = dovecot.mailbox()
    box.deliver(mail(subject="Uno"))
    poll(box.url)
    Mailbox.objects.update(uidvalidity=1)  # as if it was taken before the server numbered the folder anew
    InboundMail.objects.update(uidvalidity=1)
    poll(box.url)
    assert Ticket.objects.count() == 1
    assert list(InboundMail.objects.order_by("id").values_list("outcome", flat=True)) == [Outcome.OPENED, Outcome.DUPLICATE]


def test_a_malformed_mail_waits_in_triage_with_the_reason_and_the_mailbox_goes_on(dovecot, world):
    no_boundary = (b"From: maria.rossi@acme.example\r\nSubject: Rotto\r\nMIME-Version: 1.0\r\n"
                   b"Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nciao\r\n--x--\r\n")
    bad_charset = (b"From: maria.rossi@acme.example\r\nSubject: Charset\r\nMIME-Version: 1.0\r\n"
                   b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\nciao\r\n")
    no_sender = b"Subject: Chi sono\r\n\r\nnessuno\r\n"
    box = dovecot.mailbox()
    nul = (b"From: maria.rossi@acme.example\r\nSubject: Nul\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"a\x00b") + b"\r\n")
    box.deliver(no_boundary, bad_charset, no_sender, mail(subject="Normale"), nul)
    poll(box.url)
    assert Ticket.objects.get(subject="Nul").replies.get().body == "ab"  # PostgreSQL refuses NUL in text
    reasons = list(InboundMail.objects.order_by("uid").values_list("outcome", "reason"))
    assert reasons[0][0] == reasons[1][0] == reasons[2][0] == Outcome.TRIAGE
    assert reasons[0][1].startswith("broken MIME structure")
    assert "character set" in reasons[1][1] and "x-unknown-42" in reasons[1][1]
    assert reasons[2][1] == "no sender (From) address"
    assert reasons[3][0] == reasons[4][0] == Outcome.OPENED
    assert bytes(InboundMail.objects.get(uid=2).raw).startswith(b"From: maria.rossi@acme.example")


def test_a_mailbox_that_refuses_login_is_named_in_a_clear_error_and_tried_again_later(dovecot, world, settings,
                                                                                    caplog):
    box = dovecot.mailbox(password="wrong")
    settings.IMAP_URL = box.url
    assert poller.step() is False
    row = mailbox_row(box.url)
    name = imap.parse_url(box.url).name
    assert row.last_error.startswith(f"mailbox {name}: login refused: [AUTHENTICATIONFAILED]")
    assert row.failures == 1 and row.failing_since is not None
    assert f"mailbox {name}: login refused" in caplog.text and "trying again in" in caplog.text
    assert "wrong" not in caplog.text
    assert poller.step() is False and mailbox_row(box.url).failures == 1  # not before its backoff
    assert poller.unreadable() == [row]


def test_a_folder_that_does_not_exist_is_a_clear_error_naming_the_mailbox(dovecot, world):
    url = dovecot.mailbox().url.replace("/INBOX", "/Nowhere")
    poll(url)
    assert mailbox_row(url).last_error.startswith(f"mailbox {imap.parse_url(url).name}: cannot open the folder")


def test_imaps_with_a_certificate_the_system_trusts(dovecot, dovecot_ca, world, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    dovecot_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    box = dovecot.mailbox(tls=True)
    box.deliver(mail())
    poll(box.url)
    assert Ticket.objects.count() == 1 and mailbox_row(box.url).last_error == ""


def test_an_untrusted_certificate_is_a_clear_error(dovecot, world):
    box = dovecot.mailbox(tls=True)
    poll(box.url)
    assert "cannot connect: TLS failed: CERTIFICATE_VERIFY_FAILED" in mailbox_row(box.url).last_error


def test_the_notifier_reads_the_mailbox_in_a_step_of_its_own_only_when_there_is_one(settings):
    settings.IMAP_URL = ""
    assert "mail" not in steps()
    settings.IMAP_URL = "imaps://desk:secret@mail.example/INBOX"
    assert steps()["mail"] is poller.step


@pytest.mark.django_db(transaction=True)
def test_a_notifier_killed_in_the_middle_of_a_poll_and_started_again_takes_every_mail_once(dovecot, world, tmp_path):
    box = dovecot.mailbox()
    box.deliver(*[mail(subject=f"Richiesta {n}") for n in range(20)])
    env = {**custode_env(tmp_path, database_url=shared_database_url()), "CUSTODE_IMAP_URL": box.url,
           "CUSTODE_IMAP_EVERY": "1s"}
    with running("notifier", env=env) as notifier:
        _wait(lambda: InboundMail.objects.count() >= 3, notifier)
        notifier.kill_group()  # SIGKILL while it takes the folder's mails one by one
    taken = InboundMail.objects.count()
    with running("notifier", env=env) as notifier:
        _wait(lambda: InboundMail.objects.count() == 20, notifier)
        assert notifier.stop() == 0
    subjects = sorted(Ticket.objects.values_list("subject", flat=True))
    assert subjects == sorted(f"Richiesta {n}" for n in range(20)), f"killed after {taken} mails"
    assert Reply.objects.count() == 20 and mailbox_row(box.url).last_uid == 20


def _wait(done, child, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {timeout}s; output:\n{child.output()}")
        time.sleep(0.05)
