import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from custode.directory.models import StaffProfile
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "down", "dashboard"), [
    ("it", "Fuori servizio", "Panoramica"),
    ("es", "Caído", "Panel"),
    ("en", "Down", "Dashboard"),
])
def test_a_technician_sees_the_dashboard_in_their_language(client, world, language, down, dashboard):
    client.force_login(factories.staff(language=language))
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f'class="badge state-down">{down}<' in html
    assert f"<h1>{dashboard}</h1>" in html


def test_each_language_is_offered_by_its_own_name(client):
    client.force_login(factories.staff(language="it"))
    html = client.get(reverse("dashboard")).content.decode()
    for code, name in (("it", "Italiano"), ("en", "English"), ("es", "Español")):
        assert f'<option value="{code}" lang="{code}"' in html and f">{name}</option>" in html


def test_choosing_a_language_saves_it_and_the_next_page_speaks_it(staff_client, tech, world):
    response = staff_client.post(reverse("settings"), {"language": "es", "next": "/?state=down"})
    assert response.status_code == 302 and response["Location"] == "/?state=down"
    tech.staff.refresh_from_db()
    assert tech.staff.language == "es"
    assert "Caído" in staff_client.get(response["Location"]).content.decode()


def test_choosing_a_language_creates_the_missing_profile(client):
    user = get_user_model().objects.create_user("admin", password="x" * 12, is_staff=True)
    client.force_login(user)
    response = client.post(reverse("settings"), {"language": "it"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    profile = StaffProfile.objects.get(user=user)
    assert (profile.name, profile.language) == ("admin", "it")


@pytest.mark.parametrize("data", [{"language": "fr"}, {"language": ""}, {}, {"language": "it" * 200}])
def test_an_unknown_language_is_a_form_error_not_a_500(staff_client, tech, data):
    response = staff_client.post(reverse("settings"), data)
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    tech.staff.refresh_from_db()
    assert tech.staff.language is None


def test_next_pointing_to_another_site_is_ignored(staff_client):
    response = staff_client.post(reverse("settings"), {"language": "it", "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


def test_the_settings_page_preselects_the_current_language(staff_client, tech):
    StaffProfile.objects.filter(user=tech).update(language="it")
    html = staff_client.get(reverse("settings")).content.decode()
    assert '<option value="it" selected>' in html
