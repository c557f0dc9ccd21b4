import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from custode.directory.models import StaffProfile

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["dashboard", "settings"])
def test_anonymous_user_is_redirected_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_with_the_right_password_opens_the_dashboard(client, tech):
    response = client.post(reverse("login"), {"username": "tech", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"] == tech


def test_login_with_a_wrong_password_shows_an_error(client, tech):
    response = client.post(reverse("login"), {"username": "tech", "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert 'role="alert"' in response.content.decode()
    assert response.context["form"].non_field_errors()


def test_logout_is_a_post_that_ends_the_session(staff_client):
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert staff_client.get(reverse("dashboard")).status_code == 302


def test_a_logged_in_user_who_is_not_staff_gets_403(client):
    client.force_login(get_user_model().objects.create_user("customer-user", password=PASSWORD))
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.post(reverse("settings"), {"language": "it"}).status_code == 403
    assert not StaffProfile.objects.exists()


def test_a_user_with_a_staff_profile_but_no_staff_flag_gets_in(client):
    user = get_user_model().objects.create_user("oncall", password=PASSWORD)
    StaffProfile.objects.create(user=user, name="On Call")
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
