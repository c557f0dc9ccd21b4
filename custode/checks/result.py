"""What a check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    UP = "up"
    DOWN = "down"
    DEGRADED = "degraded"
    ERROR = "error"  # Custode could not run the check (a missing secret): nothing is known of the target


@dataclass(slots=True)
class Result:
    """One check's outcome. ``reason`` is short and concrete when not up: "status 503, expected 200"."""

    status: Status
    latency_ms: float | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def up(cls, latency_ms: float | None, **details: Any) -> Result:
        return cls(Status.UP, latency_ms, "", details)

    @classmethod
    def down(cls, reason: str, latency_ms: float | None = None, **details: Any) -> Result:
        return cls(Status.DOWN, latency_ms, reason, details)

    @classmethod
    def error(cls, reason: str) -> Result:
        return cls(Status.ERROR, None, reason, {})

    @classmethod
    def degraded(cls, reason: str, latency_ms: float | None = None, **details: Any) -> Result:
        return cls(Status.DEGRADED, latency_ms, reason, details)
