"""Which objects the file names and which the database holds, by kind, for --prune and export."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from custode.assets.models import Asset
from custode.agents.models import MONITOR_TYPE as AGENT
from custode.backups.models import MONITOR_TYPE as BACKUP, BackupJob
from custode.config.schema import ConfigFile, asset_entries
from custode.directory.models import Contact, Customer, Plan
from custode.lib.changes import NotFound
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor


def keys_of_file(doc: ConfigFile) -> dict[str, set[str]]:
    assets = [asset for _, asset in asset_entries(doc)]
    return {
        "staff": {s.username for s in doc.staff},
        "plan": set(doc.plans),
        "customer": {c.id for c in doc.customers},
        "contact": {f"{c.id}/{n.name}" for c in doc.customers for n in c.contacts},
        "asset": {a.id for a in assets},
        "monitor": {m.id for a in assets for m in a.monitors},
        "backup": {b.id for a in assets for b in a.backups},
        "maintenance": {w.id for w in doc.maintenance},
    }


def keys_in_database(kind: str) -> list[str]:
    """Keys --prune may remove; administrators are never among them."""
    simple = {"plan": Plan, "customer": Customer, "asset": Asset, "monitor": Monitor, "backup": BackupJob,
              "maintenance": MaintenanceWindow}
    if kind == "monitor":  # a backup job's own monitor goes with the job, an agent's with its enrolment
        return list(Monitor.objects.exclude(type__in=(BACKUP, AGENT)).order_by("id").values_list("key", flat=True))
    if kind in simple:
        return list(simple[kind].objects.order_by("id").values_list("key", flat=True))
    if kind == "staff":
        users = get_user_model().objects.filter(staff__isnull=False, is_superuser=False).order_by("id")
        return list(users.values_list("username", flat=True))
    if kind == "contact":
        return [f"{c}/{n}" for c, n in Contact.objects.order_by("id").values_list("customer__key", "name")]
    raise ValueError(kind)


def contact(key: str) -> Contact:
    customer, _, name = key.partition("/")
    found = Contact.objects.select_related("customer").filter(customer__key=customer, name=name).first()
    if found is None:
        raise NotFound("contact", key)
    return found
