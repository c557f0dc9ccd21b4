"""Pydantic's error messages, reworded for the people who read them in a config error or an API answer."""

from __future__ import annotations

from typing import Any

from custode.monitors.specs import MONITOR_TYPES


def friendly(error: dict[str, Any]) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling and indentation)"
    if kind == "union_tag_invalid":
        return f"unknown monitor type {error['ctx']['tag']!r}; known types: {', '.join(MONITOR_TYPES)}"
    if kind == "union_tag_not_found":
        return f"needs a type, one of: {', '.join(MONITOR_TYPES)}"
    for prefix, replacement in (("Value error, ", ""), ("Input should be ", "must be ")):
        if msg.startswith(prefix):
            return replacement + msg[len(prefix):]
    return msg
