"""Who receives what: the delivery addresses of staff and of a customer's contacts, in their language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from custode.directory.models import Contact, Provider, StaffProfile
from custode.lib.notify_targets import from_env
from custode.notify.routing import route

log = logging.getLogger("custode.notify")


# Where a person who lists no notify targets is told: their own e-mail.
DEFAULT_TARGETS = ["email"]


@dataclass(frozen=True)
class Recipient:
    """One place to deliver to. ``ident`` names the person for idempotency keys (``staff:3``, ``contact:9``)."""

    ident: str
    name: str
    language: str
    channel: str
    address: str


def staff_recipients(*, provider: Provider | None = None) -> list[Recipient]:
    """Every staff member's notify targets (in their own language, else the provider's).

    A staff member who lists no targets is alerted by e-mail at their own address, as contacts are: staff
    never have fewer ways to hear of an incident than customers.
    """
    provider = provider or Provider.get()
    out = []
    for staff in StaffProfile.objects.select_related("user").order_by("id"):
        out += staff_member_recipients(staff, provider=provider)
    return out


def staff_member_recipients(staff: StaffProfile, *, provider: Provider | None = None) -> list[Recipient]:
    """One staff member's notify targets, as ``staff_recipients`` gives them (their own e-mail when they list none)."""
    provider = provider or Provider.get()
    language = staff.language or provider.language
    targets = staff.notify + _from_env(staff.name, staff.notify_env)
    return _expand(f"staff:{staff.pk}", staff.name, language, targets or DEFAULT_TARGETS, staff.user.email)


def contact_recipients(contact: Contact, *, provider: Provider | None = None) -> list[Recipient]:
    """A customer contact's notify targets, in the contact's language, else the customer's, else the provider's."""
    provider = provider or Provider.get()
    language = contact.language or contact.customer.language or provider.language
    targets = contact.notify + _from_env(contact.name, contact.notify_env)
    return _expand(f"contact:{contact.pk}", contact.name, language, targets, contact.email)


def _from_env(name: str, variables: list[str]) -> list[str]:
    """The targets a person's ``notify_env`` variables hold in this process's environment. One unset here (though
    ``custode apply`` found it) is logged by name, never by value, and skipped: their other targets still hear."""
    targets, missing = from_env(variables or [])
    for variable in missing:
        log.warning("%s is not notified through %s: it is not set, or holds no valid target, in this process",
                    name, variable)
    return targets


def _expand(ident: str, name: str, language: str, targets: list[str], own_email: str | None) -> list[Recipient]:
    out = []
    for target in dict.fromkeys(targets or []):
        routed = route(target, own_email)
        if routed:
            out.append(Recipient(ident, name, language, routed[0], routed[1]))
    return out
