"""Writing a validated config file: each kind of object read in one query, compared, written in bulk.

Rows come from the functions the apps' services save one object with (``customer_values``,
``monitor_values``...), so a file and the API cannot disagree on what a spec means. A record those
refuse (an unknown plan, a dependency cycle) becomes a problem at its path, and the caller rolls
everything back. The provider, backup jobs and maintenance windows, a handful per file, go through
their services one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef

from custode.agents.models import AgentWatch
from custode.agents.patches import patch_grace_save
from custode.reports.services import marked_expression, report_recipients_save, reports_review_save
from custode.agents.services import agent_watch_save
from custode.assets.licences import has_licences, licences_write
from custode.assets.models import Asset
from custode.assets.services import asset_check_dependencies, asset_values
from custode.backups.services import backup_save
from custode.config import bulk
from custode.config.schema import AssetEntry, ConfigFile, asset_entries
from custode.config.source import Path, Problem
from custode.directory.models import Contact, Customer, Plan, StaffProfile
from custode.directory.services import (
    contact_values,
    customer_values,
    plan_values,
    provider_save,
    staff_user_new,
    staff_values,
)
from custode.lib.changes import Change, Invalid
from custode.maintenance.services import maintenance_save
from custode.monitors.models import Monitor
from custode.monitors.services import monitor_values
from custode.portal.setup import callback_hours_save, callback_slot_save

Entries = list[tuple[Path, AssetEntry]]


@dataclass
class Outcome:
    """What writing a file did, in the file's order, and what the services refused, by path."""

    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def attempt(self, path: Path, write: Callable[[], Change]) -> None:
        """One object through its service, undone alone if refused."""
        try:
            with transaction.atomic():
                self.changes.append(write())
        except Invalid as e:
            self.refuse(path, e)
        except (DatabaseError, ArithmeticError, ValueError) as e:  # a value the spec let through but that cannot
            # be stored (a column too small, a time past the year 9999): this entry's error, not a traceback
            self.problems.append(Problem(path, f"cannot be saved: {(str(e).strip().splitlines() or [''])[0]}"))

    def refuse(self, path: Path, error: Invalid) -> None:
        self.problems.append(Problem(path + tuple(_split(error.field)), error.message))


def write(doc: ConfigFile) -> Outcome:
    """Write DOC, each kind after those it refers to; the changes come in the file's order, as the report shows them."""
    out = Outcome()
    if doc.provider:
        out.attempt(("provider",), lambda: provider_save(spec=doc.provider).merge(
            callback_slot_save(seconds=doc.provider.callback_slot)).merge(
            patch_grace_save(seconds=doc.provider.patch_grace)).merge(
            reports_review_save(review=doc.provider.reports_review)))
    out.changes += _staff(doc)
    customers = _customers(doc, out, plans=_plans(doc, out))
    entries, assets = _assets(doc, out, customers)
    out.changes += licences_write(wanted=((a.id, a.licences) for _, a in entries), assets=assets)
    dependencies = _dependencies(entries, assets, out)
    monitors = _monitors(entries, assets)
    for path, entry in entries:
        out.changes += [dependencies[entry.id]] if entry.id in dependencies else []
        out.changes += [monitors[m.id] for m in entry.monitors]
        for b, backup in enumerate(entry.backups):
            out.attempt(path + ("backups", b), lambda bj=backup, k=entry.id: backup_save(asset=k, spec=bj))
        if entry.agent is not None or getattr(assets.get(entry.id), "agent_keys", False):
            out.attempt(path + ("agent",), lambda a=entry.agent, k=entry.id: agent_watch_save(asset=k, spec=a))
    for w, window in enumerate(doc.maintenance):
        out.attempt(("maintenance", w), lambda mw=window: maintenance_save(spec=mw))
    return out


def _staff(doc: ConfigFile) -> list[Change]:
    User = get_user_model()
    values = {s.username: staff_values(s) for s in doc.staff}
    users = bulk.read(User.objects.filter(username__in=list(values)), key=lambda u: u.username)
    logins = bulk.save_rows(((k, v[0]) for k, v in values.items()), users, model=User, kind="staff", new=staff_user_new)
    names = {u.pk: k for k, u in users.items()}
    profiles = bulk.read(StaffProfile.objects.filter(user_id__in=list(names)).select_related("callback_hours"),
                         key=lambda p: names[p.user_id])
    saved = bulk.save_rows(((k, v[1]) for k, v in values.items()), profiles, model=StaffProfile, kind="staff",
                           new=lambda k: StaffProfile(user=users[k]))
    calls = callback_hours_save(profiles=profiles, hours={s.username: s.callbacks for s in doc.staff})
    return [logins[k].merge(saved[k]).merge(calls[k]) for k in values]


def _plans(doc: ConfigFile, out: Outcome) -> dict[str, int]:
    """Save the file's plans; every plan's id by key."""
    plans = bulk.read(Plan.objects.all(), key=lambda p: p.key)
    rows = ((spec.id, plan_values(spec)) for spec in doc.plan_specs())
    out.changes += bulk.save_rows(rows, plans, model=Plan, kind="plan", new=lambda k: Plan(key=k)).values()
    return {key: plan.pk for key, plan in plans.items()}


def _customers(doc: ConfigFile, out: Outcome, *, plans: dict[str, int]) -> dict[str, Customer]:
    """Save the customers the services accept, with their contacts; those customers by key."""
    rows = []
    named = any(spec.owner for spec in doc.customers)  # the file's staff are saved by now
    staff = dict(StaffProfile.objects.values_list("user__username", "pk")) if named else {}
    for c, spec in enumerate(doc.customers):
        try:
            rows.append((spec.id, {**customer_values(spec, plans=plans), "owner_id": _owner(spec.owner, staff)}))
        except Invalid as e:
            out.refuse(("customers", c), e)  # its contacts and assets would only repeat the customer's error
    customers = bulk.read(Customer.objects.all(), key=lambda c: c.key)
    saved = bulk.save_rows(rows, customers, model=Customer, kind="customer", new=lambda k: Customer(key=k))
    keys = {customer.pk: key for key, customer in customers.items()}
    contacts = bulk.read(Contact.objects.all(), key=lambda n: f"{keys[n.customer_id]}/{n.name}")
    contact_rows = [(f"{c.id}/{n.name}", {"customer": customers[c.id], **contact_values(n)})
                    for c in doc.customers if c.id in saved for n in c.contacts]
    saved_contacts = bulk.save_rows(contact_rows, contacts, model=Contact, kind="contact", new=lambda k: Contact())
    for key, change in _report_recipients(doc, saved).items():
        saved_contacts[key] = saved_contacts[key].merge(change)
    for spec in doc.customers:
        if spec.id in saved:
            out.changes += [saved[spec.id], *(saved_contacts[f"{spec.id}/{n.name}"] for n in spec.contacts)]
    return {key: customers[key] for key in saved}


def _owner(username: str | None, staff: dict[str, int]) -> int | None:
    """The staff profile a customer's ``owner`` names; Invalid on ``owner`` when no technician has that username."""
    if username is None:
        return None
    if username not in staff:
        raise Invalid("owner", _unknown_owner(username, staff))
    return staff[username]


def _unknown_owner(username: str, staff) -> str:
    return f"unknown staff member {username!r} (a username under staff:); staff: {', '.join(sorted(staff)) or 'none yet'}"


def owners_pruned(doc: ConfigFile) -> list[Problem]:
    """With --prune the technicians the file lacks are removed: a customer's ``owner`` naming one is an error."""
    listed = {s.username for s in doc.staff}
    return [Problem(("customers", c, "owner"), _unknown_owner(spec.owner, listed))
            for c, spec in enumerate(doc.customers) if spec.owner and spec.owner not in listed]


def _report_recipients(doc: ConfigFile, saved) -> dict[str, Change]:
    """Mark the saved customers' contacts whose entry says ``reports: true`` to receive the monthly report."""
    wanted = {f"{c.id}/{n.name}": n.reports for c in doc.customers if c.id in saved for n in c.contacts}
    rows = (Contact.objects.filter(customer__key__in=list(saved)).annotate(marked=marked_expression())
            .values_list("pk", "customer__key", "name", "marked"))
    keys = {pk: f"{key}/{name}" for pk, key, name, _ in rows if f"{key}/{name}" in wanted}
    return report_recipients_save(marked={pk: wanted[key] for pk, key in keys.items()}, keys=keys,
                                  before={pk for pk, _, _, marked in rows if marked})


def _assets(doc: ConfigFile, out: Outcome, customers: dict[str, Customer]) -> tuple[Entries, dict[str, Asset]]:
    """Save the infrastructure and the saved customers' assets; their entries, and every asset by key."""
    owners = {a.id: customers[c.id] for c in doc.customers if c.id in customers for a in c.assets}
    entries = [(path, a) for path, a in asset_entries(doc) if path[0] == "infrastructure" or a.id in owners]
    agent_keys = Exists(AgentWatch.objects.filter(asset=OuterRef("pk")))  # to drop when the file has none now
    assets = bulk.read(Asset.objects.annotate(agent_keys=agent_keys, has_licences=has_licences()),
                       key=lambda a: a.key)
    rows = [(a.id, {"customer": owners.get(a.id), **asset_values(a)}) for _, a in entries]
    out.changes += bulk.save_rows(rows, assets, model=Asset, kind="asset", new=lambda k: Asset(key=k)).values()
    return entries, assets


def _dependencies(entries: Entries, assets: dict[str, Asset], out: Outcome) -> dict[str, Change]:
    """Give each entry's asset exactly its depends_on, checked in file order against the graph as it grows."""
    through = Asset.depends_on.through
    keys = {asset.pk: key for key, asset in assets.items()}
    edges: dict[str, list[str]] = defaultdict(list)
    for src, dst in through.objects.values_list("from_asset_id", "to_asset_id"):
        edges[keys[src]].append(keys[dst])
    changes: dict[str, Change] = {}
    for path, entry in entries:
        try:
            asset_check_dependencies(key=entry.id, depends_on=entry.depends_on, known=assets, edges=edges)
        except Invalid as e:
            out.refuse(path, e)
            continue
        if set(edges[entry.id]) != set(entry.depends_on):
            edges[entry.id] = list(dict.fromkeys(entry.depends_on))
            changes[entry.id] = Change("asset", entry.id, "updated", ("depends_on",))
    ids = [assets[key].pk for key in changes]
    for start in range(0, len(ids), bulk.CHUNK // 2):
        through.objects.filter(from_asset_id__in=ids[start : start + bulk.CHUNK // 2]).delete()
    links = [through(from_asset_id=assets[key].pk, to_asset_id=assets[dep].pk) for key in changes for dep in edges[key]]
    through.objects.bulk_create(links, batch_size=bulk.CHUNK)
    return changes


def _monitors(entries: Entries, assets: dict[str, Asset]) -> dict[str, Change]:
    rows = [(m.id, {"asset": assets[a.id], **monitor_values(m)}) for _, a in entries for m in a.monitors]
    if not rows:
        return {}
    loaded = {"key", *rows[0][1]}  # every row names the same fields
    monitors = bulk.read(Monitor.objects.only(*loaded), key=lambda m: m.key)
    return bulk.save_rows(rows, monitors, model=Monitor, kind="monitor", new=lambda k: Monitor(key=k))


def _split(field_path: str) -> list[str | int]:
    """'depends_on[1]' -> ['depends_on', 1], the form of a Source path."""
    parts: list[str | int] = []
    for name in field_path.replace("]", "").split("."):
        head, *indexes = name.split("[")
        parts += [head, *map(int, indexes)]
    return parts
