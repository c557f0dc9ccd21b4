"""Who receives what: the delivery addresses of staff and of a customer's contacts, in their language."""

from __future__ import annotations

from dataclasses import dataclass

from custode.directory.models import Contact, Provider, StaffProfile
from custode.notify.routing import route


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
        language = staff.language or provider.language
        out += _expand(f"staff:{staff.pk}", staff.name, language, staff.notify or DEFAULT_TARGETS, staff.user.email)
    return out


def contact_recipients(contact: Contact, *, provider: Provider | None = None) -> list[Recipient]:
    """A customer contact's notify targets, in the contact's language, else the customer's, else the provider's."""
    provider = provider or Provider.get()
    language = contact.language or contact.customer.language or provider.language
    return _expand(f"contact:{contact.pk}", contact.name, language, contact.notify, contact.email)


def _expand(ident: str, name: str, language: str, targets: list[str], own_email: str | None) -> list[Recipient]:
    out = []
    for target in dict.fromkeys(targets or []):
        routed = route(target, own_email)
        if routed:
            out.append(Recipient(ident, name, language, routed[0], routed[1]))
    return out
