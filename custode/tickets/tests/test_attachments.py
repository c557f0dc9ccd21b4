"""A file belongs to a ticket's message, to the e-mail that carried it, or both: a message deleted takes its
own files and leaves a mail's with the mail; a file of neither is refused by the database. Names are kept
without folders or control characters; the portal's limits come from settings that refuse nonsense."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from custode.lib.env import SettingError
from custode.testing import factories
from custode.tickets import services
from custode.tickets.models import Attachment, InboundMail, Mailbox, Ticket
from custode.tickets.uploads import Upload, limits_from_env, safe_name


@pytest.fixture
def ticket(db):
    factories.provider()
    factories.customer("acme", name="Acme")
    return services.ticket_open(customer="acme", subject="Printer", body="Jammed.",
                                files=[Upload("jam.jpg", "image/jpeg", b"\xff\xd8")])


def test_a_deleted_ticket_takes_its_own_files_and_leaves_a_mails_files_with_the_mail(ticket):
    mailbox = Mailbox.objects.create(name="desk@mail:993/INBOX")
    mail = InboundMail.objects.create(mailbox=mailbox, uidvalidity=1, uid=1, taken_at=timezone.now(),
                                      outcome=InboundMail.Outcome.OPENED, ticket=ticket)
    carried = Attachment.objects.create(mail=mail, reply=ticket.replies.get(), name="offer.pdf", content_type="",
                                        size=1, data=b"x")
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert list(Attachment.objects.values_list("pk", "reply", "mail")) == [(carried.pk, None, mail.pk)]


def test_a_file_of_no_mail_and_no_message_is_refused_by_the_database(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(name="stray.bin", content_type="", size=0, data=b"")


@pytest.mark.parametrize("sent, kept", [
    ("C:\\Users\\anna\\Desktop\\offerta.pdf", "offerta.pdf"),
    ("../../etc/passwd", "passwd"),
    ("bad\x00\r\nname\u202e.txt", "badname.txt"),
    ("..", "file"),
    ("a" * 300 + ".tar.gz", "a" * 197 + ".gz"),
    ("résumé.pdf", "résumé.pdf"),
])
def test_a_files_name_is_kept_without_folders_or_control_characters_and_short(sent, kept):
    assert safe_name(sent) == kept
    assert len(safe_name(sent)) <= 200


def test_the_portals_file_limits_have_defaults_and_refuse_nonsense():
    assert limits_from_env({}) == (10 * 1024 * 1024, 5)
    chosen = limits_from_env({"CUSTODE_PORTAL_MAX_ATTACHMENT": "2MB", "CUSTODE_PORTAL_MAX_FILES": "0"})
    assert chosen == (2 * 1024 ** 2, 0)
    with pytest.raises(SettingError, match="CUSTODE_PORTAL_MAX_ATTACHMENT='lots': must be a size"):
        limits_from_env({"CUSTODE_PORTAL_MAX_ATTACHMENT": "lots"})
    with pytest.raises(SettingError, match="CUSTODE_PORTAL_MAX_FILES='-1': must be a whole number"):
        limits_from_env({"CUSTODE_PORTAL_MAX_FILES": "-1"})
