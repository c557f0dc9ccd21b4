"""`custode createadmin`: creates a superuser with a staff profile, or resets an existing user's password."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from custode.testing import factories

pytestmark = pytest.mark.django_db


def createadmin(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("createadmin", "--noinput", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_creates_a_superuser_with_a_staff_profile_and_prints_a_generated_password():
    password, message = createadmin()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(password)
    assert len(password) >= 20
    assert user.staff.name == "admin"
    assert "created administrator 'admin'" in message


def test_it_takes_username_email_and_password_and_does_not_echo_a_given_password():
    out, message = createadmin("--username", "maria", "--email", "maria@example.com", "--password", "s3cret-enough-pw")
    user = get_user_model().objects.get(username="maria")
    assert user.email == "maria@example.com"
    assert user.check_password("s3cret-enough-pw")
    assert out == ""
    assert "with the password given" in message


def test_it_resets_the_password_of_an_existing_user_and_keeps_the_profile():
    user = factories.staff("luca", name="Luca Rossi", phone="+39 02 1234")
    password, message = createadmin("--username", "luca")
    user.refresh_from_db()
    assert user.check_password(password)
    assert not user.check_password("correct horse battery")
    assert user.staff.name == "Luca Rossi"
    assert get_user_model().objects.count() == 1
    assert "reset the password of 'luca'" in message


def test_it_gives_a_profile_to_an_existing_user_without_one():
    get_user_model().objects.create_user("old", password="whatever-old-pw")
    createadmin("--username", "old")
    assert get_user_model().objects.get(username="old").staff.name == "old"


def test_it_refuses_a_weak_password_and_changes_nothing():
    with pytest.raises(CommandError, match="password refused: .*too short"):
        createadmin("--password", "abc")
    assert not get_user_model().objects.exists()


def test_a_generated_password_differs_every_time():
    first, _ = createadmin()
    second, _ = createadmin()
    assert first != second
