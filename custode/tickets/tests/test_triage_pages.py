"""The triage page: staff see the mails waiting for a decision and make a ticket of one or discard it; bad input
is a 400 naming what is wrong, and nothing changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from custode.testing import factories
from custode.tickets.models import Attachment, InboundMail, Mailbox, Ticket

pytestmark = pytest.mark.django_db
Outcome = InboundMail.Outcome


@pytest.fixture
def world(client):
    factories.provider()
    acme = factories.customer("acme", name="Acme")
    anna = factories.staff("anna", password=None, name="Anna")
    client.force_login(anna)
    box = Mailbox.objects.create(name="desk@mail.example:993/INBOX")
    mails = [InboundMail.objects.create(mailbox=box, uidvalidity=7, uid=uid, sender=f"s{uid}@nowhere.example",
                                        subject=f"Mail {uid}", body="Hello", taken_at=timezone.now(),
                                        outcome=outcome, reason="s@nowhere.example is not a contact of any customer",
                                        raw=b"From: s@nowhere.example\r\n\r\nHello\r\n")
             for uid, outcome in ((1, Outcome.TRIAGE), (2, Outcome.IGNORED), (3, Outcome.OPENED))]
    Attachment.objects.create(mail=mails[0], name="offerta.pdf", content_type="application/pdf", size=3, data=b"pdf")
    return {"acme": acme, "mails": mails, "anna": anna}


def test_the_triage_page_lists_the_mails_waiting_and_on_request_those_a_machine_sent(world, client):
    page = client.get("/tickets/triage/").content.decode()
    assert "Mail 1" in page and "offerta.pdf" in page and "Mail 2" not in page and "Mail 3" not in page
    assert "is not a contact of any customer" in page
    assert "Mail 2" in client.get("/tickets/triage/?show=ignored").content.decode()
    assert client.get("/tickets/triage/?show=nonsense").status_code == 400
    assert "1 e-mail waits in triage" in client.get("/tickets/").content.decode()


def test_staff_make_a_ticket_of_a_mail_for_the_customer_they_choose(world, client):
    mail = world["mails"][0]
    response = client.post(f"/tickets/triage/{mail.pk}/open/", {f"m{mail.pk}-customer": "acme"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.customer == world["acme"] and ticket.subject == "Mail 1"
    mail.refresh_from_db()
    assert mail.outcome == Outcome.CONVERTED and mail.ticket == ticket and mail.raw is None
    assert client.get(f"/tickets/triage/{mail.pk}/attachments/{mail.attachments.get().pk}/").content == b"pdf"


def test_a_missing_customer_or_a_mail_decided_already_is_a_400_and_changes_nothing(world, client):
    waiting, _, opened = world["mails"]
    response = client.post(f"/tickets/triage/{waiting.pk}/open/", {f"m{waiting.pk}-customer": "nobody"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(f"/tickets/triage/{opened.pk}/discard/")
    assert response.status_code == 400 and "no longer waiting for a decision" in response.content.decode()
    response = client.post("/tickets/triage/999/discard/")
    assert response.status_code == 400 and "no such mail: 999" in response.content.decode()
    assert not Ticket.objects.exists()
    assert list(InboundMail.objects.order_by("uid").values_list("outcome", flat=True)) == [
        Outcome.TRIAGE, Outcome.IGNORED, Outcome.OPENED]


def test_staff_discard_a_mail_and_read_it_as_received(world, client):
    waiting = world["mails"][0]
    assert client.get(f"/tickets/triage/{waiting.pk}/mail.eml").content.startswith(b"From: s@nowhere.example")
    assert client.post(f"/tickets/triage/{waiting.pk}/discard/").status_code == 302
    waiting.refresh_from_db()
    assert waiting.outcome == Outcome.DISCARDED and waiting.decided_by == world["anna"].staff
    assert client.get(f"/tickets/triage/{waiting.pk}/mail.eml").status_code == 404


def test_the_dashboard_names_a_mailbox_that_cannot_be_read(world, client):
    Mailbox.objects.update(last_error="mailbox desk@mail.example:993/INBOX: login refused: [AUTHENTICATIONFAILED]",
                           failing_since=timezone.now(), failures=3)
    page = client.get("/").content.decode()
    assert "desk@mail.example:993/INBOX cannot be read since" in page and "login refused" in page
