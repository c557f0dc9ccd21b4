"""Files in the portal: a contact attaches them to a new request or a reply, downloads those on their own
requests' public messages (never an internal note's, never another customer's), and staff see them on the
ticket's page. A file over the limit, or too many, is refused in the contact's words and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from custode.portal.tests.conftest import log_in
from custode.testing import factories
from custode.tickets import services as tickets
from custode.tickets.models import Attachment, Reply, Ticket
from custode.tickets.uploads import Upload

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes = b"data", content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def written() -> tuple[int, int, int]:
    return Ticket.objects.count(), Reply.objects.count(), Attachment.objects.count()


def test_files_attached_to_a_new_request_are_on_its_first_message_and_on_the_staff_page(as_lucia, world, client):
    response = as_lucia.post("/portal/tickets/new/", {
        "subject": "Factura", "body": "Adjunto la factura.", "priority": "normal",
        "files": [upload("factura.pdf", b"%PDF-1.7", "application/pdf"), upload("foto.jpg", b"\xff\xd8")]})
    made = Ticket.objects.get(subject="Factura")
    assert response.status_code == 302
    first = made.replies.get()
    assert [(a.name, a.content_type, bytes(a.data), a.mail_id) for a in first.attachments.all()] == [
        ("factura.pdf", "application/pdf", b"%PDF-1.7", None),
        ("foto.jpg", "application/octet-stream", b"\xff\xd8", None)]
    page = as_lucia.get(f"/portal/tickets/{made.number}/").content.decode()
    assert "factura.pdf" in page and f"/portal/tickets/{made.number}/files/{first.attachments.first().pk}/" in page
    client.force_login(factories.staff("anna"))
    staff_page = client.get(f"/tickets/{made.number}/").content.decode()
    assert "factura.pdf" in staff_page and "foto.jpg" in staff_page
    assert client.get(f"/tickets/{made.number}/attachments/{first.attachments.first().pk}/").content == b"%PDF-1.7"


def test_a_reply_carries_files_that_download_as_attachments_never_shown_inline(as_lucia, world):
    page = as_lucia.get(f"/portal/tickets/{world.mine.number}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "hasta 10 MB cada uno" in page
    as_lucia.post(f"/portal/tickets/{world.mine.number}/", {
        "body": "El error en pantalla.", "files": [upload("error ñ.html", b"<script>alert(1)</script>", "text/html")]})
    kept = Reply.objects.filter(ticket=world.mine).last().attachments.get()
    assert kept.name == "error ñ.html"
    download = as_lucia.get(f"/portal/tickets/{world.mine.number}/files/{kept.pk}/")
    assert download.status_code == 200 and download.content == b"<script>alert(1)</script>"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == \
        "attachment; filename=\"error _.html\"; filename*=UTF-8''error%20%C3%B1.html"
    assert download["X-Content-Type-Options"] == "nosniff" and "sandbox" in download["Content-Security-Policy"]
    assert download["Cache-Control"] == "private, no-store"


def test_a_file_over_the_limit_is_refused_in_spanish_and_nothing_is_written(as_lucia, world, settings):
    settings.PORTAL_MAX_ATTACHMENT = 1024
    before = written()
    new = as_lucia.post("/portal/tickets/new/", {"subject": "Copia", "body": "La copia.", "priority": "normal",
                                                 "files": [upload("copia.zip", b"x" * 1025)]})
    text = new.content.decode()
    assert new.status_code == 400
    assert "«copia.zip» es demasiado grande: cada archivo puede ocupar como máximo 1 kB." in text
    assert "Los archivos no se han guardado: adjúntelos de nuevo." in text and 'value="Copia"' in text
    reply = as_lucia.post(f"/portal/tickets/{world.mine.number}/", {"body": "Otra.",
                                                                    "files": [upload("copia.zip", b"x" * 1025)]})
    assert reply.status_code == 400 and "es demasiado grande" in reply.content.decode()
    assert written() == before


def test_too_many_files_are_refused_in_italian_and_nothing_is_written(client, world, settings):
    settings.PORTAL_MAX_FILES = 2
    log_in(client, "marco@rossi.example")
    before = written()
    answer = client.post(f"/portal/tickets/{world.theirs.number}/", {
        "body": "Tre documenti.", "files": [upload(f"doc{i}.pdf") for i in range(3)]})
    assert answer.status_code == 400
    assert "Troppi file: ne alleghi al massimo 2 per messaggio." in answer.content.decode()
    assert written() == before


def test_the_limits_hold_in_the_desk_itself_before_anything_is_written(world, settings):
    from custode.tickets.uploads import TooLarge, TooMany

    settings.PORTAL_MAX_ATTACHMENT, settings.PORTAL_MAX_FILES = 10, 1
    before = written()
    with pytest.raises(TooLarge, match="'big.bin' is larger than 10 bytes"):
        tickets.ticket_open(customer="hotel-mirador", subject="S", body="B", files=[Upload("big.bin", "", b"x" * 11)])
    with pytest.raises(TooMany):
        tickets.ticket_reply(ticket=world.mine, body="B", files=[Upload("a", "", b""), Upload("b", "", b"")])
    assert written() == before


def test_an_internal_notes_file_or_one_of_another_ticket_is_404_like_a_missing_one(as_lucia, world):
    staff = factories.staff("anna").staff
    note = tickets.ticket_reply(ticket=world.mine, body="Nota interna", public=False, staff=staff,
                                files=[Upload("interno.txt", "text/plain", b"solo staff")])
    internal = note.attachments.get()
    other = tickets.ticket_open(customer="hotel-mirador", subject="Otra", body="Otra.",
                                files=[Upload("otra.txt", "text/plain", b"otra")]).replies.get().attachments.get()
    missing = as_lucia.get(f"/portal/tickets/{world.mine.number}/files/999999/")
    assert "interno.txt" not in as_lucia.get(f"/portal/tickets/{world.mine.number}/").content.decode()
    for path in (f"/portal/tickets/{world.mine.number}/files/{internal.pk}/",
                 f"/portal/tickets/{world.mine.number}/files/{other.pk}/",  # theirs, but on another request
                 f"/portal/tickets/{world.mine.number}/files/{world.their_file.pk}/"):
        answer = as_lucia.get(path)
        assert (answer.status_code, answer.content) == (404, missing.content), path


def test_a_reply_with_a_file_and_a_forged_csrf_token_is_refused_in_the_contacts_language(as_lucia, world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.cookies = as_lucia.cookies  # Lucía's session, without the form's token
    before = written()
    refused = browser.post(f"/portal/tickets/{world.mine.number}/", {
        "body": "Adjunto.", "files": [upload("copia.zip")], "csrfmiddlewaretoken": "forged" * 6})
    assert refused.status_code == 403 and "No se ha registrado nada" in refused.content.decode()
    assert written() == before
