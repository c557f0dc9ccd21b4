"""Applying a config file: validate everything first, then write it all in one transaction, or nothing.

Every write goes through the apps' services, the same ones the API calls. A service that
refuses a record (an unknown plan, a dependency cycle) raises ``Invalid``; the applier notes the
problem with the record's path and carries on, so one run reports every error, then rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FilePath

from django.db import transaction

from custode.assets.services import asset_delete, asset_save, asset_set_dependencies
from custode.backups.services import backup_delete, backup_save
from custode.config import inventory
from custode.config.schema import ConfigFile, asset_entries, validate
from custode.config.source import ConfigErrors, Path, Problem, Source, load
from custode.directory.services import (
    contact_delete,
    contact_save,
    customer_delete,
    customer_save,
    plan_delete,
    plan_save,
    provider_save,
    staff_delete,
    staff_save,
)
from custode.lib.changes import Change, InUse, Invalid
from custode.maintenance.services import maintenance_delete, maintenance_save
from custode.monitors.services import monitor_delete, monitor_save


@dataclass
class Report:
    changes: dict[tuple[str, str], Change] = field(default_factory=dict)
    kept: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False

    def add(self, change: Change) -> None:
        key = (change.kind, change.key)
        self.changes[key] = self.changes[key].merge(change) if key in self.changes else change

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes.values() if c.action == action)

    @property
    def changed(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes.values())


class _DryRun(Exception):
    pass


def apply_file(path: str | FilePath, *, prune: bool = False, dry_run: bool = False) -> Report:
    path = FilePath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigErrors(str(path), [(None, "", f"cannot read the file: {e}")]) from None
    return apply_text(text, filename=path.name, prune=prune, dry_run=dry_run)


def apply_text(text: str, *, filename: str, prune: bool = False, dry_run: bool = False) -> Report:
    """Apply a whole config; ConfigErrors (and an untouched database) when anything is wrong."""
    source = load(text, filename)
    doc = validate(source)
    report = Report(dry_run=dry_run)
    try:
        with transaction.atomic():
            problems = _write(doc, report)
            problems += _remove_missing(doc, report, prune)
            if problems:
                raise source.errors(problems)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _write(doc: ConfigFile, report: Report) -> list[Problem]:
    problems: list[Problem] = []

    def attempt(path: Path, write: Callable[[], Change]) -> bool:
        try:
            with transaction.atomic():
                report.add(write())
            return True
        except Invalid as e:
            problems.append(Problem(path + tuple(_split(e.field)), e.message))
            return False

    if doc.provider:
        attempt(("provider",), lambda: provider_save(spec=doc.provider))
    for i, staff in enumerate(doc.staff):
        attempt(("staff", i), lambda s=staff: staff_save(spec=s))
    for plan in doc.plan_specs():
        attempt(("plans", plan.id), lambda p=plan: plan_save(spec=p))
    owners: dict[str, str] = {}
    for c, customer in enumerate(doc.customers):
        if not attempt(("customers", c), lambda cu=customer: customer_save(spec=cu)):
            continue  # its contacts and assets would only repeat the customer's error
        owners.update((asset.id, customer.id) for asset in customer.assets)
        for n, contact in enumerate(customer.contacts):
            attempt(("customers", c, "contacts", n), lambda co=contact, k=customer.id: contact_save(customer=k, spec=co))
    entries = [(path, asset) for path, asset in asset_entries(doc) if path[0] == "infrastructure" or asset.id in owners]
    for path, asset in entries:
        attempt(path, lambda a=asset: asset_save(spec=a, customer=owners.get(a.id), dependencies=False))
    for path, asset in entries:
        attempt(path, lambda a=asset: asset_set_dependencies(key=a.id, depends_on=a.depends_on))
        for m, monitor in enumerate(asset.monitors):
            attempt(path + ("monitors", m), lambda mo=monitor, k=asset.id: monitor_save(asset=k, spec=mo))
        for b, backup in enumerate(asset.backups):
            attempt(path + ("backups", b), lambda bj=backup, k=asset.id: backup_save(asset=k, spec=bj))
    for w, window in enumerate(doc.maintenance):
        attempt(("maintenance", w), lambda mw=window: maintenance_save(spec=mw))
    return problems


def _remove_missing(doc: ConfigFile, report: Report, prune: bool) -> list[Problem]:
    """Objects in the database but not in the file: removed with --prune, otherwise only listed."""
    problems: list[Problem] = []
    removers: dict[str, Callable[[str], Change]] = {
        "maintenance": lambda k: maintenance_delete(key=k),
        "backup": lambda k: backup_delete(key=k),
        "monitor": lambda k: monitor_delete(key=k),
        "contact": lambda k: contact_delete(contact=inventory.contact(k)),
        "asset": lambda k: asset_delete(key=k),
        "customer": lambda k: customer_delete(key=k),
        "plan": lambda k: plan_delete(key=k),
        "staff": lambda k: staff_delete(username=k),
    }
    in_file = inventory.keys_of_file(doc)
    for kind, remove in removers.items():
        for key in inventory.keys_in_database(kind):
            if key in in_file[kind]:
                continue
            if not prune:
                report.kept.append((kind, key))
                continue
            try:
                report.add(remove(key))
            except InUse as e:
                problems.append(Problem((), str(e)))
    return problems


def _split(field_path: str) -> list[str | int]:
    """'depends_on[1]' -> ['depends_on', 1], the form of a Source path."""
    parts: list[str | int] = []
    for name in field_path.replace("]", "").split("."):
        head, *indexes = name.split("[")
        parts += [head, *map(int, indexes)]
    return parts
