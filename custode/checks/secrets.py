"""Secrets named by ``*_env`` keys are read from the environment when a check runs, never stored."""

from __future__ import annotations

import os


class MissingSecret(Exception):
    pass


def secret(name: str | None) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise MissingSecret(f"environment variable {name} is not set")
    return value
