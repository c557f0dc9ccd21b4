"""Writes the web UI makes on behalf of the logged-in technician."""

from __future__ import annotations

from custode.directory.models import StaffProfile


def staff_language_set(*, user, language: str) -> StaffProfile:
    """Saves USER's interface language, creating their profile (named after the login) if missing."""
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language}, create_defaults={"name": user.username, "language": language}
    )
    return profile
