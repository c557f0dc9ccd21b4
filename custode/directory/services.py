"""Writes and reads of the provider, staff, plans, customers and contacts.

The config applier, the API and the UI call these; nothing else writes these models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile
from custode.directory.specs import ContactSpec, CustomerFields, PlanSpec, ProviderSpec, StaffSpec
from custode.lib.changes import Change, InUse, Invalid, NotFound, reference, save_fields


def provider_save(*, spec: ProviderSpec) -> Change:
    page = spec.status_page
    values = dict(
        name=spec.name,
        timezone=spec.timezone,
        language=spec.language,
        contact_phone=spec.contact.phone,
        contact_email=spec.contact.email,
        contact_url=spec.contact.url,
        status_slug=page.slug if page else "",
        status_title=page.title if page else "",
        update_every=spec.update_every,
        configured=True,
    )
    provider = Provider.get()
    change = save_fields(provider, values, kind="provider", key="provider")
    if "configured" in change.fields:  # the row existed with defaults; for the user it is new
        return Change("provider", "provider", "created", change.fields)
    return change


def provider_spec() -> ProviderSpec | None:
    provider = Provider.objects.filter(pk=1, configured=True).first()
    if provider is None:
        return None
    return ProviderSpec.model_validate(
        {
            "name": provider.name,
            "timezone": provider.timezone,
            "language": provider.language,
            "contact": {"phone": provider.contact_phone, "email": provider.contact_email, "url": provider.contact_url},
            "status_page": {"slug": provider.status_slug, "title": provider.status_title}
            if provider.status_slug
            else None,
            "update_every": f"{provider.update_every}s",
        }
    )


def staff_save(*, spec: StaffSpec) -> Change:
    User = get_user_model()
    login_values, profile_values = staff_values(spec)
    user = User.objects.filter(username=spec.username).first() or staff_user_new(spec.username)
    email = save_fields(user, login_values, kind="staff", key=spec.username)
    profile = StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)
    return email.merge(save_fields(profile, profile_values, kind="staff", key=spec.username))


def staff_values(spec: StaffSpec) -> tuple[dict[str, Any], dict[str, Any]]:
    """A technician's login row and profile row from their spec."""
    profile = dict(name=spec.name, phone=spec.phone, on_call=spec.on_call, language=spec.language, notify=spec.notify,
                   notify_env=spec.notify_env)
    return {"email": spec.email or ""}, profile


def staff_user_new(username: str):
    """An unsaved login for a technician: staff, with no password until they set one."""
    user = get_user_model()(username=username, is_staff=True)
    user.set_unusable_password()
    return user


def staff_spec(profile: StaffProfile) -> StaffSpec:
    return StaffSpec(
        username=profile.user.username,
        name=profile.name,
        email=profile.user.email or None,
        phone=profile.phone,
        on_call=profile.on_call,
        language=profile.language,
        notify=profile.notify,
        notify_env=profile.notify_env,
    )


def staff_delete(*, username: str) -> Change:
    """Remove a technician's profile; their login goes too unless they are an administrator."""
    profile = StaffProfile.objects.select_related("user").filter(user__username=username).first()
    if profile is None:
        raise NotFound("staff", username)
    user = profile.user
    profile.delete()
    if not user.is_superuser:
        user.delete()
    return Change("staff", username, "removed")


def plan_save(*, spec: PlanSpec) -> Change:
    plan = Plan.objects.filter(key=spec.id).first() or Plan(key=spec.id)
    return save_fields(plan, plan_values(spec), kind="plan", key=spec.id)


def plan_values(spec: PlanSpec) -> dict[str, Any]:
    return {**spec.model_dump(mode="python", exclude={"id", "uptime"}), "uptime_target": spec.uptime}


def plan_spec(plan: Plan) -> PlanSpec:
    return PlanSpec.model_validate(
        {
            "id": plan.key,
            "name": plan.name,
            "support_hours": plan.support_hours,
            "holidays": plan.holidays,
            "first_response": {k: f"{v}s" for k, v in plan.first_response.items()},
            "resolution": {k: f"{v}s" for k, v in plan.resolution.items()},
            "monthly_hours": plan.monthly_hours,
            "includes": plan.includes,
            "uptime": plan.uptime_target,
        }
    )


def plan_delete(*, key: str) -> Change:
    plan = Plan.objects.filter(key=key).first()
    if plan is None:
        raise NotFound("plan", key)
    try:
        plan.delete()
    except ProtectedError:
        users = ", ".join(sorted(plan.customers.values_list("key", flat=True)))
        raise InUse(f"plan {key!r} is used by customers: {users}") from None
    return Change("plan", key, "removed")


def plan_ids() -> dict[str, int]:
    """Every plan's id by its key."""
    return dict(Plan.objects.values_list("key", "id"))


def customer_save(*, spec: CustomerFields) -> Change:
    customer = Customer.objects.filter(key=spec.id).first() or Customer(key=spec.id)
    return save_fields(customer, customer_values(spec, plans=plan_ids()), kind="customer", key=spec.id)


def customer_values(spec: CustomerFields, *, plans: Mapping[str, int]) -> dict[str, Any]:
    """A customer's row from their spec; PLANS (key -> id, see plan_ids) are the plans they may have."""
    if spec.plan is not None and spec.plan not in plans:
        known = ", ".join(sorted(plans)) or "none yet"
        raise Invalid("plan", f"unknown plan {spec.plan!r}; known plans: {known}")
    plan_id = plans[spec.plan] if spec.plan is not None else None
    return dict(name=spec.name, plan_id=plan_id, language=spec.language)


def customer_spec(customer: Customer) -> CustomerFields:
    return CustomerFields(
        id=customer.key, name=customer.name, plan=customer.plan.key if customer.plan else None, language=customer.language
    )


def customer_delete(*, key: str) -> Change:
    """Remove a customer with their contacts, assets and monitors."""
    deleted, _ = Customer.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("customer", key)
    return Change("customer", key, "removed")


def customer_get(key: str) -> Customer:
    customer = Customer.objects.select_related("plan").filter(key=key).first()
    if customer is None:
        raise NotFound("customer", key)
    return customer


def contact_save(*, customer: str, spec: ContactSpec, contact: Contact | None = None) -> Change:
    """Save a contact of CUSTOMER; without CONTACT the contact is found by name."""
    owner = reference(customer_get, customer, "customer")
    if contact is None:
        contact = Contact.objects.filter(customer=owner, name=spec.name).first() or Contact(customer=owner)
    elif Contact.objects.filter(customer=owner, name=spec.name).exclude(pk=contact.pk).exists():
        raise Invalid("name", f"customer {customer!r} already has a contact named {spec.name!r}")
    values = {"customer": owner, **contact_values(spec)}
    return save_fields(contact, values, kind="contact", key=f"{customer}/{spec.name}")


def contact_values(spec: ContactSpec) -> dict[str, Any]:
    """A contact's row from its spec, all but the customer."""
    return spec.model_dump(mode="python", include=set(ContactSpec.model_fields))  # a config entry has more


def contact_spec(contact: Contact) -> ContactSpec:
    return ContactSpec(
        name=contact.name, email=contact.email, phone=contact.phone, language=contact.language, notify=contact.notify,
        notify_env=contact.notify_env,
    )


def contact_delete(*, contact: Contact) -> Change:
    key = f"{contact.customer.key}/{contact.name}"
    contact.delete()
    return Change("contact", key, "removed")


def staff_language_set(*, user, language: str) -> StaffProfile:
    """Save USER's interface language, creating their profile (named after the login) if missing."""
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language}, create_defaults={"name": user.username, "language": language}
    )
    return profile


def customer_rotate_status_token(*, customer: Customer) -> str:
    """Give CUSTOMER a new private status link; the old one stops working at once. Returns the new token."""
    customer.status_token = Customer._meta.get_field("status_token").get_default()
    customer.save(update_fields=["status_token"])
    return customer.status_token
