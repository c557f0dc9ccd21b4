"""The typed shape of a maintenance window."""

from __future__ import annotations

from pydantic import Field, field_validator

from custode.lib.types import LANGUAGES, DateTime, Duration, Key, Spec


class MaintenanceSpec(Spec):
    id: Key
    title: dict[str, str]
    assets: list[Key] = Field(min_length=1)
    start: DateTime
    duration: Duration
    announce: bool = False

    @field_validator("title")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; titles are written in it, en or es")
        if not value or not all(text.strip() for text in value.values()):
            raise ValueError("needs a title in at least one of it, en, es")
        return value
