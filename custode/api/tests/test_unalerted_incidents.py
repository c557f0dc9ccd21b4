"""An incident whose staff alert reached nobody says so: in the API (``staff_alerted: false``), on the dashboard,
the incident list and the incident's page, in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from custode.incidents import services
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = {"en": "Nobody on staff has been alerted about this incident",
           "it": "Nessuno dello staff è stato avvisato di questo incidente",
           "es": "Nadie del equipo ha sido avisado de este incidente"}


@pytest.fixture
def incidents(tech):
    """Two open incidents: one told while no staff member had anywhere to be reached, one after tech had."""
    factories.provider()
    tech.email = ""
    tech.save()
    lonely = services.incident_open(root_asset=factories.asset("core-router", kind="network", name="Core router"))
    tech.email = "tech@example.com"
    tech.save()
    alerted = services.incident_open(root_asset=factories.asset("vps-01", kind="server", name="vps-01"))
    assert not Message.objects.filter(topic=f"incident:{lonely.pk}", audience="staff").exists()
    return lonely, alerted


def test_the_api_says_which_incidents_no_staff_member_was_alerted_about(read_client, incidents):
    lonely, alerted = incidents
    listed = {i["id"]: i["staff_alerted"] for i in read_client.get("/incidents").json()["items"]}
    assert listed == {lonely.pk: False, alerted.pk: True}
    assert read_client.get(f"/incidents/{lonely.pk}").json()["staff_alerted"] is False
    assert read_client.get(f"/incidents/{alerted.pk}").json()["staff_alerted"] is True


def test_a_staff_alert_that_failed_everywhere_counts_as_nobody_alerted(read_client, incidents):
    _, alerted = incidents
    Message.objects.filter(topic=f"incident:{alerted.pk}", audience="staff").update(status=Message.Status.FAILED)
    assert read_client.get(f"/incidents/{alerted.pk}").json()["staff_alerted"] is False


def test_a_staff_alert_being_retried_after_a_failure_has_alerted_nobody_yet(read_client, incidents):
    _, alerted = incidents
    staff = Message.objects.filter(topic=f"incident:{alerted.pk}", audience="staff")
    staff.update(attempts=3, last_error="connection refused")
    assert read_client.get(f"/incidents/{alerted.pk}").json()["staff_alerted"] is False
    staff.update(status=Message.Status.SENT)
    assert read_client.get(f"/incidents/{alerted.pk}").json()["staff_alerted"] is True


@pytest.mark.parametrize("language", ["en", "it", "es"])
def test_the_dashboard_the_list_and_the_page_warn_of_an_incident_nobody_on_staff_heard_of(client, tech, incidents,
                                                                                          language):
    lonely, alerted = incidents
    tech.staff.language = language
    tech.staff.save()
    client.force_login(tech)
    try:
        dashboard = client.get(reverse("dashboard")).content.decode()
        listing = client.get(reverse("incidents")).content.decode()
        page = client.get(reverse("incident", args=[lonely.pk])).content.decode()
        other = client.get(reverse("incident", args=[alerted.pk])).content.decode()
    finally:
        translation.deactivate()
    assert WARNING[language] in dashboard and f"#{lonely.pk} Core router" in dashboard
    assert f"#{alerted.pk} vps-01" not in dashboard
    assert listing.count(WARNING[language]) == 1
    assert WARNING[language] in page
    assert WARNING[language] not in other
