"""Which function checks which monitor type. ``push`` is missing on purpose: nobody is called, the
monitored machine calls us, and the engine judges its silence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from importlib import import_module
from typing import Any

from custode.checks.result import Result

ACTIVE_TYPES = ("http", "tls", "tcp", "ping", "dns", "mysql", "postgres", "redis", "smtp")

CheckFunction = Callable[[Any], Awaitable[Result]]


@cache  # asked once per monitor loaded: 100,000 times at start
def check_for(monitor_type: str) -> CheckFunction:
    if monitor_type not in ACTIVE_TYPES:
        raise KeyError(f"no active check for monitor type {monitor_type!r}")
    return import_module(f"custode.checks.{monitor_type}").check


@cache
def prepare_for(monitor_type: str) -> Callable[[Any], Any]:
    """The check module's ``prepare(spec)``: what can be worked out from a spec once, when its monitor is loaded,
    given to ``check`` in place of the spec at every run. A module without one is given the spec itself."""
    if monitor_type not in ACTIVE_TYPES:
        return _same
    return getattr(import_module(f"custode.checks.{monitor_type}"), "prepare", _same)


def _same(spec: Any) -> Any:
    return spec
