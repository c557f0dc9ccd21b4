"""Applying a config file: validate everything first, then write it all in one transaction, or nothing.

Every row is what the apps' services, the same ones the API calls, make of its spec (see ``write``).
A record they refuse (an unknown plan, a dependency cycle) is noted with its path and the applier
carries on, so one run reports every error, then rolls back.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path as FilePath

from django.db import DatabaseError, transaction

from custode.assets.services import asset_delete
from custode.backups.services import backup_delete
from custode.config import inventory
from custode.config.schema import Checked, ConfigFile, validate_partially
from custode.config.source import ConfigErrors, Problem, load
from custode.config.write import owners_pruned, write
from custode.directory.services import contact_delete, customer_delete, plan_delete, staff_delete
from custode.lib.changes import Change, InUse
from custode.maintenance.services import maintenance_delete
from custode.monitors.services import monitor_delete


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


log = logging.getLogger("custode.config")


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
    with _collector_paused():
        return _apply(text, filename=filename, prune=prune, dry_run=dry_run)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read and written.

    A file of 100,000 monitors is millions of objects (nodes, dicts, specs, rows) that all live until
    the end; the collector would scan them again and again, half of an apply's time, to find no garbage.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _apply(text: str, *, filename: str, prune: bool, dry_run: bool) -> Report:
    """One round reports everything: the schema's problems, and what the services refuse of the entries that
    have none; with any problem the transaction rolls back. Anything else a file makes fail (a value the
    database refuses) is reported too, as the file's error, never as a traceback."""
    source = load(text, filename)
    checked = validate_partially(source)
    report = Report(dry_run=dry_run)
    try:
        with transaction.atomic():
            problems = checked.problems
            if checked.doc is not None:
                problems = problems + _write(checked, report, prune=prune)
            if problems:
                raise source.errors(problems)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except ConfigErrors:
        raise
    except Exception as e:  # noqa: BLE001 - whatever it is, the file caused it: said in one line, nothing applied
        log.debug("applying %s failed", filename, exc_info=True)
        raise ConfigErrors(filename, [(None, "", _failure(e))]) from None
    return report


def _write(checked: Checked, report: Report, *, prune: bool) -> list[Problem]:
    """Write CHECKED's doc; the problems of the file's entries, by their place in the file. A problem that
    names an entry left out for a problem of its own ("unknown asset 'x'") would only repeat it."""
    outcome = write(checked.doc)
    for change in outcome.changes:
        report.add(change)
    problems = [Problem(checked.original(p.path), p.message) for p in outcome.problems
                if not any(repr(name) in p.message for name in checked.dropped)]
    if not checked.problems:  # with those the file is not applied: what it lacks is not worth listing
        pruned = [Problem(checked.original(p.path), p.message) for p in owners_pruned(checked.doc)] if prune else []
        problems += [p for p in pruned if p not in problems]  # one refused already names nobody at all
        problems += _remove_missing(checked.doc, report, prune)
    return problems


def _failure(error: Exception) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, DatabaseError):
        return f"the database refused a value: {first}"
    return f"cannot be applied: {type(error).__name__}: {first}" if first else f"cannot be applied: {type(error).__name__}"


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
