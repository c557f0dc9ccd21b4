"""Administrators: created or reset by `custode createadmin` and by the first `custode up`."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from custode.directory.models import StaffProfile

# Letters and digits only, so a printed password is copied whole by a double click.
ALPHABET = string.ascii_letters + string.digits


def password_generate(length: int = 20) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def admin_needed() -> bool:
    """True on a first run: no active superuser, and no user "admin" whose password a new admin would take."""
    users = get_user_model().objects
    return not users.filter(is_superuser=True, is_active=True).exists() and not users.filter(username="admin").exists()


@transaction.atomic
def admin_create(*, username: str, email: str = "", password: str | None = None):
    """A superuser USERNAME with PASSWORD (generated when None), or the existing USERNAME with PASSWORD set.

    Returns ``(user, password, created)``. A password that is given must pass the password validators
    (``django.core.exceptions.ValidationError`` otherwise); an existing user keeps its rights and its email
    unless EMAIL is given.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, email=email, is_staff=True, is_superuser=True)
    elif email:
        user.email = email
    if password is None:
        password = password_generate()
    else:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    StaffProfile.objects.get_or_create(user=user, defaults={"name": user.get_full_name() or username})
    return user, password, created
