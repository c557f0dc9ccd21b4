"""The callback settings the config file carries: ``provider.callback_slot`` and each ``staff[].callbacks``.
The applier saves them beside the provider and staff rows, and the export reads them back, so a file applies
back unchanged."""

from __future__ import annotations

from custode.directory.models import StaffProfile
from custode.lib.changes import Change
from custode.portal.models import CallbackHours, CallbackSetup


def callback_slot_save(*, seconds: int) -> Change:
    changed = CallbackSetup.get().slot != seconds
    if changed:
        CallbackSetup.objects.filter(pk=1).update(slot=seconds)
    return Change("provider", "provider", "updated", ("callback_slot",)) if changed \
        else Change("provider", "provider", "unchanged")


def callback_slot() -> int:
    return CallbackSetup.get().slot


def callback_hours_save(*, profiles: dict[str, StaffProfile], hours: dict[str, str | None]) -> dict[str, Change]:
    """Each staff member's published hours (none: they take no booked calls), by username. PROFILES read with
    ``select_related("callback_hours")`` cost no query here; one made just now has no hours yet."""
    out = {}
    for username, text in hours.items():
        profile = profiles[username]
        row = _hours_of(profile)
        if text is None and row is not None:
            row.delete()
        elif text is not None and (row is None or row.hours != text):
            CallbackHours.objects.update_or_create(staff=profile, defaults={"hours": text})
        else:
            out[username] = Change("staff", username, "unchanged")
            continue
        out[username] = Change("staff", username, "updated", ("callbacks",))
    return out


def _hours_of(profile: StaffProfile) -> CallbackHours | None:
    if not StaffProfile.callback_hours.related.is_cached(profile):  # made by this apply: nothing published yet
        return None
    try:
        return profile.callback_hours
    except CallbackHours.DoesNotExist:
        return None


def callback_hours() -> dict[int, str]:
    """Published hours by staff profile id."""
    return dict(CallbackHours.objects.values_list("staff_id", "hours"))
