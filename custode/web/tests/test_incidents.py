"""The staff pages of incidents: the list, one incident's page, and its forms (update, reassign, resolve)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from custode.incidents import services
from custode.incidents.models import Incident, Update
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(world, tech):
    """The core router down (touching both Bianchi's and Mirador's sites), and Bianchi's NAS down on its own."""
    factories.provider(timezone="Europe/Rome")
    tech.staff.on_call = True
    tech.staff.phone = "+39 333 1234567"
    tech.staff.notify = ["email"]
    tech.staff.save()
    for customer in (world.bianchi, world.mirador, world.outsider):
        factories.contact(customer, name=f"Contact of {customer.name}", language="it")
    router, site, hotel = (world.router_ping.asset, world.site_http.asset, world.hotel_tls.asset)
    site.depends_on.add(router)
    hotel.depends_on.add(router)
    now = timezone.now()
    old = services.incident_open(root_asset=world.outsider_http.asset, monitors=[world.outsider_http],
                                 at=now - dt.timedelta(days=2))
    services.incident_resolve(incident=old, at=now - dt.timedelta(days=1))
    router_incident = services.incident_open(root_asset=router, monitors=[world.router_ping],
                                             at=now - dt.timedelta(hours=1))
    nas_incident = services.incident_open(root_asset=world.nas_ping.asset, monitors=[world.nas_ping],
                                          at=now - dt.timedelta(minutes=30))
    return world, router_incident, nas_incident, old


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="incident" data-incident="(\d+)">', html)]


def _post_update(client, incident, **data):
    form = {"status": "identified", "template": "", "message": "", "public": "public", "language": "en", **data}
    return client.post(reverse("incident-update", args=[incident.pk]), form)


def test_the_list_shows_open_incidents_first_with_their_affected_customers(staff_client, story):
    _, router_incident, nas_incident, old = story
    html = staff_client.get(reverse("incidents")).content.decode()
    assert _ids(html) == [nas_incident.pk, router_incident.pk, old.pk]
    row = re.search(rf'data-incident="{router_incident.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Hotel Mirador, Studio Bianchi" in row and "Zeta Outsider" not in row
    assert "Core router unreachable" in row and "Tech" in row and "1 hour" in row
    assert re.search(r"\d{4}, \d\d:\d\d CES?T</time>", row), "opened at in the provider's zone"
    assert "Opened (Europe/Rome)" in html


def test_the_dashboard_links_to_the_incidents(staff_client):
    assert f'href="{reverse("incidents")}"' in staff_client.get(reverse("dashboard")).content.decode()


def test_resolved_incidents_are_paginated_below_the_open_ones(staff_client, story):
    world, router_incident, nas_incident, _ = story
    for _n in range(30):
        done = services.incident_open(root_asset=world.site_http.asset, monitors=[world.site_http])
        services.incident_resolve(incident=done)
    first = staff_client.get(reverse("incidents"))
    assert _ids(first.content.decode())[:2] == [nas_incident.pk, router_incident.pk]
    assert len(first.context["page"].object_list) == 25
    second = staff_client.get(reverse("incidents"), {"page": 2})
    assert len(second.context["page"].object_list) == 6
    assert _ids(second.content.decode())[:2] == [nas_incident.pk, router_incident.pk]


def test_the_page_shows_customers_assets_monitors_and_both_kinds_of_update(staff_client, story, tech):
    world, incident, _, _ = story
    services.incident_post_update(incident=incident, author=tech.staff, status="identified", template="identified",
                                  language="en")
    services.incident_post_update(incident=incident, author=tech.staff, status="identified", public=False,
                                  message="Power supply of the router replaced")
    html = staff_client.get(reverse("incident", args=[incident.pk])).content.decode()
    for text in ("Studio Bianchi", "Hotel Mirador", "www.studiobianchi.example", "www.mirador.example",
                 "router-ping", "Power supply of the router replaced",
                 "We have found the cause and are working on a fix.", "update-internal", "update-public"):
        assert text in html, text
    assert "Zeta Outsider" not in html and "NAS ufficio" not in html
    assert html.count('<span class="author">Tech</span>') == 2


def test_the_page_shows_the_delivery_log_of_this_incident_only(staff_client, story):
    _, incident, nas_incident, _ = story
    Message.objects.filter(topic=f"incident:{incident.pk}", audience="customer").update(
        attempts=3, last_error="SMTP 127.0.0.1:2525: connection refused")
    response = staff_client.get(reverse("incident", args=[incident.pk]))
    html = response.content.decode()
    log = list(response.context["log"].object_list)
    assert log and all(m.topic == f"incident:{incident.pk}" for m in log)
    assert {m.customer.name for m in log if m.customer} == {"Studio Bianchi", "Hotel Mirador"}
    assert "Contact of Hotel Mirador" in html and "connection refused" in html
    assert "Contact of Zeta Outsider" not in html


def test_a_public_update_is_recorded_and_tells_staff_and_the_affected_customers(staff_client, story, tech):
    _, incident, _, _ = story
    response = _post_update(staff_client, incident, template="identified", message="", language="it")
    assert response.status_code == 302 and response["Location"] == reverse("incident", args=[incident.pk])
    update = Update.objects.get(incident=incident, template="identified")
    assert (update.public, update.author, update.status) == (True, tech.staff, "identified")
    told = Message.objects.filter(key__contains=f":update:{update.pk}:")
    assert set(told.filter(audience="customer").values_list("customer__key", flat=True)) == {
        "studio-bianchi", "hotel-mirador"}
    assert told.filter(audience="staff").exists()
    incident.refresh_from_db()
    assert incident.status == "identified"


def test_an_internal_update_tells_no_customer(staff_client, story):
    _, incident, _, _ = story
    response = _post_update(staff_client, incident, public="internal", message="Calling the data centre")
    assert response.status_code == 302
    update = Update.objects.get(incident=incident, message="Calling the data centre")
    assert not update.public
    told = Message.objects.filter(key__contains=f":update:{update.pk}:")
    assert told.exists() and not told.filter(audience="customer").exists()


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"message": "", "template": ""}, "message", "Write a message or choose a template."),
    ({"status": "on-fire", "message": "x"}, "status", "Select a valid choice"),
    ({"template": "exploded"}, "template", "Select a valid choice"),
    ({"language": "fr", "message": "x"}, "language", "Select a valid choice"),
])
def test_bad_update_input_is_a_400_with_the_error_next_to_the_field(staff_client, story, data, field, error):
    _, incident, _, _ = story
    before = Message.objects.count()
    response = _post_update(staff_client, incident, **data)
    assert response.status_code == 400
    form = response.context["update_form"]
    assert error in " ".join(form.errors[field])
    assert "field-error" in response.content.decode()
    assert Message.objects.count() == before
    assert not Update.objects.filter(incident=incident).exists()


def test_reassign_changes_the_owner(staff_client, story):
    _, incident, _, _ = story
    factories.staff("giulia", name="Giulia Ferri")
    response = staff_client.post(reverse("incident-reassign", args=[incident.pk]), {"owner": "giulia"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.owner.name == "Giulia Ferri"
    assert "Giulia Ferri" in staff_client.get(reverse("incident", args=[incident.pk])).content.decode()


def test_reassign_to_someone_unknown_is_a_400(staff_client, story, tech):
    _, incident, _, _ = story
    response = staff_client.post(reverse("incident-reassign", args=[incident.pk]), {"owner": "nobody"})
    assert response.status_code == 400
    assert response.context["reassign_form"].errors["owner"]
    incident.refresh_from_db()
    assert incident.owner == tech.staff


def test_resolve_closes_it_with_the_closing_message_and_tells_the_customers(staff_client, story):
    _, incident, _, _ = story
    response = staff_client.post(reverse("incident-resolve", args=[incident.pk]),
                                 {"message": "The router is back.", "language": "en"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert incident.updates.filter(status="resolved", message="The router is back.").exists()
    assert Message.objects.filter(key__startswith=f"incident:{incident.pk}:resolved:", audience="customer").count() == 2
    html = staff_client.get(reverse("incident", args=[incident.pk])).content.decode()
    assert "it takes no more updates" in html and 'action="/incidents/' not in html


def test_a_resolved_incident_refuses_updates_with_a_clear_message(staff_client, story):
    _, _, _, old = story
    before = Update.objects.filter(incident=old).count()
    response = _post_update(staff_client, old, message="Too late")
    assert response.status_code == 409
    assert f"Incident {old.pk} is resolved: it takes no more updates." in response.content.decode()
    assert staff_client.post(reverse("incident-resolve", args=[old.pk]), {"language": "en"}).status_code == 409
    assert Update.objects.filter(incident=old).count() == before


def test_an_unknown_incident_is_a_404(staff_client, story):
    assert staff_client.get(reverse("incident", args=[99999])).status_code == 404
    assert _post_update(staff_client, Incident(pk=99999), message="x").status_code == 404


def test_the_forms_are_posts_only(staff_client, story):
    _, incident, _, _ = story
    assert staff_client.get(reverse("incident-update", args=[incident.pk])).status_code == 405


def test_the_update_form_carries_the_stock_texts_in_every_language(staff_client, story):
    _, incident, _, _ = story
    html = staff_client.get(reverse("incident", args=[incident.pk])).content.decode()
    assert 'id="stock-texts"' in html and "Abbiamo individuato la causa" in html and "web/incident.js" in html


@pytest.mark.parametrize("name", ["incidents", "incident", "incident-update", "incident-reassign", "incident-resolve"])
def test_anonymous_users_are_sent_to_login_and_others_are_refused(client, story, name):
    _, incident, _, _ = story
    url = reverse(name) if name == "incidents" else reverse(name, args=[incident.pk])
    response = client.get(url) if name in ("incidents", "incident") else client.post(url, {"message": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    client.force_login(get_user_model().objects.create_user("customer-user", password="x" * 12))
    response = client.get(url) if name in ("incidents", "incident") else client.post(url, {"message": "x"})
    assert response.status_code == 403
    assert not Update.objects.filter(message="x").exists()


def test_the_pages_speak_the_technicians_language(client, story):
    _, incident, _, _ = story
    client.force_login(factories.staff(language="it"))
    html = client.get(reverse("incident", args=[incident.pk])).content.decode()
    assert "Clienti coinvolti" in html and "Pubblica un aggiornamento" in html


def test_a_long_delivery_log_is_paginated_and_keeps_its_place(staff_client, story):
    from custode.notify.outgoing import Outgoing
    from custode.notify.services import outbox_enqueue

    _, incident, _, _ = story
    outbox_enqueue(messages=[
        Outgoing(key=f"test:{n}", audience="staff", channel="email", topic=f"incident:{incident.pk}",
                 recipient=f"tech{n}@example.com", language="en", subject="s", body="b")
        for n in range(60)
    ])
    total = Message.objects.filter(topic=f"incident:{incident.pk}").count()
    first = staff_client.get(reverse("incident", args=[incident.pk]))
    assert len(first.context["log"].object_list) == 50
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    assert next_link == "?log=2"
    second = staff_client.get(reverse("incident", args=[incident.pk]) + next_link)
    assert len(second.context["log"].object_list) == total - 50
