"""Saving many rows of one model in a few statements, each reported as ``save_fields`` would report it.

A config file of 100,000 monitors cannot afford a lookup and a save per row: the rows that exist
are read in one query, compared in memory, and only what differs is written, in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from custode.lib.changes import Change

M = TypeVar("M", bound=models.Model)
CHUNK = 1000  # rows per INSERT or UPDATE statement (SQLite's backend splits further by its variable limit)


def read(queryset: models.QuerySet[M], key: Callable[[M], str]) -> dict[str, M]:
    """The rows of QUERYSET by KEY."""
    return {key(row): row for row in queryset.order_by()}


def save_rows(
    rows: Iterable[tuple[str, dict[str, Any]]], existing: dict[str, M], *, model: type[M], kind: str,
    new: Callable[[str], M],
) -> dict[str, Change]:
    """Create each of ROWS (key, values) that EXISTING lacks, update the fields that differ, leave the rest.

    EXISTING (key -> row, as read) gains the created rows, with their ids. A changed row's ``auto_now``
    fields (``updated_at``) are set to now and a monitor's ``version`` (by which the engine reloads them) taken,
    as ``save`` would: ``bulk_update`` does not call it. Unchanged rows keep theirs.
    """
    relations = {f.name: f.attname for f in model._meta.concrete_fields if f.is_relation}
    changes: dict[str, Change] = {}
    created: list[M] = []
    updated: dict[tuple[str, ...], list[M]] = defaultdict(list)
    for key, values in rows:
        row = existing.get(key)
        if row is None:
            row = existing[key] = new(key)
            for name, value in values.items():
                setattr(row, name, value)
            created.append(row)
            changes[key] = Change(kind, key, "created", tuple(values))
            continue
        changed = tuple(name for name, value in values.items() if _differs(row, name, value, relations))
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            updated[changed].append(row)
        changes[key] = Change(kind, key, "updated", changed) if changed else Change(kind, key, "unchanged")
    _take_version(model, [*created, *(row for rows in updated.values() for row in rows)])
    model.objects.bulk_create(created, batch_size=CHUNK)
    _update(model, updated)
    return changes


def _differs(row: models.Model, name: str, value: Any, relations: dict[str, str]) -> bool:
    if name in relations:  # compare ids: reading the related object would be a query per row
        return getattr(row, relations[name]) != (value.pk if isinstance(value, models.Model) else value)
    return getattr(row, name) != value


def _take_version(model: type[M], rows: list[M]) -> None:
    """A model written in commit order (monitors: ``take_version``) gets one version for all ROWS, as ``save``
    takes one for a row."""
    take = getattr(model, "take_version", None)
    if take is not None and rows:
        version = take()
        for row in rows:
            row.version = version


def _update(model: type[M], updated: dict[tuple[str, ...], list[M]]) -> None:
    """One bulk_update per set of changed fields, so a row's other fields are never written back."""
    stamps = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    versioned = ["version"] if hasattr(model, "take_version") else []
    now = timezone.now()
    for fields, rows in updated.items():
        for row in rows:
            for stamp in stamps:
                setattr(row, stamp, now)
        model.objects.bulk_update(rows, [*fields, *stamps, *versioned], batch_size=CHUNK)
