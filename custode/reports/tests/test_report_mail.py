"""The monthly e-mail carries the report's PDF, read from the archive when the e-mail is built: delivered to a real
SMTP server (aiosmtpd) once, across a refusing server and a deliverer that died, with the portal's link beside it."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import smtp  # noqa: F401  (fixture: aiosmtpd, CUSTODE_SMTP_URL set to it)
from custode.reports import monthly
from custode.reports.models import MonthlyReport
from custode.reports.tests.test_monthly_sending import FIRST_AT_SIX, send_all, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


def deliver_all(now: dt.datetime | None = None) -> None:
    while delivery.step(now=now):
        pass


def pdf_part(mail):
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    return part


def test_each_contact_receives_the_archived_pdf_named_in_the_reports_language(world, smtp):
    rossi, mirador = world
    send_all(FIRST_AT_SIX)
    deliver_all()
    mails = {mail["To"].addresses[0].addr_spec: mail for mail in smtp.mailbox.wait_for(2)}
    for customer, address, name in ((rossi, "marco@rossi.example", "report-mensile-2026-11.pdf"),
                                    (mirador, "lucia@mirador.example", "informe-mensual-2026-11.pdf")):
        report = MonthlyReport.objects.get(customer=customer)
        part = pdf_part(mails[address])
        assert part.get_filename() == name
        assert part.get_content() == bytes(report.pdf)  # the archived bytes, whole
        assert bytes(report.pdf).startswith(b"%PDF-")
        text = mails[address].get_body(("plain",)).get_content()
        assert f"https://custode.example/portal/reports/2026-11-{report.language}.pdf" in text


def test_the_pdf_is_not_copied_into_the_outbox_and_the_mail_stays_close_to_its_size(world, smtp):
    send_all(FIRST_AT_SIX)
    row = Message.objects.get(recipient="marco@rossi.example")
    report = MonthlyReport.objects.get(customer=world[0])
    assert row.files == [{"ref": f"report:{report.pk}", "filename": "report-mensile-2026-11.pdf",
                          "content_type": "application/pdf"}]
    assert len(row.body) + len(str(row.files)) + len(str(row.payload)) < 2000  # a reference, not the bytes
    deliver_all()
    [mail, _] = smtp.mailbox.wait_for(2)
    size, pdf = len(mail.as_bytes()), len(report.pdf)
    assert 5_000 < pdf < 400_000, pdf  # this one is about 15 kB, a full one about 100 kB
    assert size < pdf * 4 / 3 * 1.05 + 4_000, (size, pdf)  # base64's third more, lines and the text: no more


def test_a_refusing_server_and_a_dead_deliverer_still_give_each_contact_the_pdf_once(world, smtp):
    send_all(FIRST_AT_SIX)
    smtp.stop()  # the server refuses connections: every e-mail waits, nothing is lost
    deliver_all()
    assert set(Message.objects.values_list("status", "attempts")) == {("pending", 1), ("pending", 0)}  # the second waits for the server, uncounted
    first = Message.objects.order_by("pk").first()
    now = timezone.now() + timedelta(minutes=1)
    Message.objects.filter(pk=first.pk).update(next_attempt_at=now, lease="dead-deliverer",
                                               leased_until=now + timedelta(seconds=20))
    smtp.start()
    delivery._peers.clear()  # a notifier started again knows of no unreachable server
    deliver_all(now)  # the other goes; the dead deliverer's waits for its lease
    assert len(smtp.mailbox.wait_for(1)) == 1
    deliver_all(now + timedelta(seconds=21))
    deliver_all(now + timedelta(hours=1))
    assert send_all(FIRST_AT_SIX + timedelta(hours=2)) == 0  # the sending, looked at again, writes nothing more
    assert monthly.send(MonthlyReport.objects.get(customer=world[0]), world[0], FIRST_AT_SIX) == 0
    deliver_all(now + timedelta(hours=2))
    mails = smtp.mailbox.wait_for(2)
    assert len(mails) == 2 and {m["To"].addresses[0].addr_spec for m in mails} == {
        "marco@rossi.example", "lucia@mirador.example"}
    assert all(len(pdf_part(m).get_content()) > 5_000 for m in mails)
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_a_report_removed_before_its_mail_went_fails_it_for_good_with_the_reason(world, smtp):
    send_all(FIRST_AT_SIX)
    MonthlyReport.objects.filter(customer=world[0]).delete()
    deliver_all()
    gone = Message.objects.get(recipient="marco@rossi.example")
    assert gone.status == "failed" and "no longer exists" in gone.last_error
    assert [m["To"].addresses[0].addr_spec for m in smtp.mailbox.wait_for(1)] == ["lucia@mirador.example"]
