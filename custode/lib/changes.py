"""What a write did, and the errors a write refuses with.

Every service that writes returns a ``Change``; the config applier prints them, the API
answers with the object. ``Invalid`` names the field at fault so the caller can point at
the exact line (config) or field path (API).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, Literal

from django.db import models

Action = Literal["created", "updated", "removed", "unchanged"]


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    action: Action
    fields: tuple[str, ...] = ()

    def merge(self, other: Change) -> Change:
        if other.action == "unchanged":
            return self
        action = "created" if self.action == "created" else other.action
        return Change(self.kind, self.key, action, tuple(dict.fromkeys(self.fields + other.fields)))


class Invalid(Exception):
    """A value breaks a rule that needs the database to check: an unknown reference, a cycle."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(Exception):
    def __init__(self, kind: str, key: str):
        super().__init__(f"{kind} {key!r} does not exist")
        self.kind = kind
        self.key = key


class InUse(Exception):
    """Removing the object would leave others pointing at nothing."""


def save_fields(instance: models.Model, values: dict[str, Any], *, kind: str, key: str) -> Change:
    """Create INSTANCE (when unsaved) or update only the fields whose value differs."""
    if instance.pk is None:
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
        return Change(kind, key, "created", tuple(values))
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        # auto_now fields (updated_at) are only written when named; the engine's reload watches them
        stamps = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        instance.save(update_fields=changed + stamps)
        return Change(kind, key, "updated", tuple(changed))
    return Change(kind, key, "unchanged")



def reference(get: Callable[[str], Any], key: str, field: str) -> Any:
    """GET(KEY) for a key a request names in FIELD: a missing object is the request's error, not a 404."""
    try:
        return get(key)
    except NotFound as e:
        raise Invalid(field, f"unknown {e.kind} {key!r}") from None
