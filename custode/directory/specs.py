"""The typed shape of the provider, its staff, plans, customers and contacts.

The same specs validate a config file, an API request and a form, and are what
``custode export`` prints back.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Literal

import holidays
from pydantic import EmailStr, Field, field_validator

from custode.assets.kinds import AssetKind
from custode.lib import hours
from custode.lib.notify_targets import NotifyTarget
from custode.lib.types import LANGUAGES, Duration, EnvName, Key, Language, Spec

Service = Literal[
    "monitoring",
    "asset_management",
    "patch_management",
    "backup_verification",
    "warranty_management",
    "monthly_report",
    "evening_weekend_support",
    "status_page",
]

SLA_CLASSES = {kind.value for kind in AssetKind} | {"default"}


@cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


class ContactBlock(Spec):
    phone: str = Field(min_length=3, max_length=40)
    email: EmailStr
    url: str | None = None


class StatusPage(Spec):
    slug: Key
    title: str = Field(min_length=1, max_length=200)


class ProviderSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    language: Language = "en"
    contact: ContactBlock
    status_page: StatusPage | None = None
    update_every: Duration = 1800
    callback_slot: Duration = Field(default=900, description="the length of a callback slot customers book (15m)")
    patch_grace: Duration = Field(default=7 * 86400,
                                  description="how long security updates may wait before an asset is overdue (7d)")
    reports_review: bool = Field(default=False, description="hold each month's reports until staff approve them")

    @field_validator("callback_slot")
    @classmethod
    def _whole_minutes(cls, value: int) -> int:
        if value % 60 or not 300 <= value <= 4 * 3600:
            raise ValueError("must be whole minutes from 5m to 4h, like 15m")
        return value

    @field_validator("patch_grace")
    @classmethod
    def _patch_grace(cls, value: int) -> int:
        if not 3600 <= value <= 365 * 86400:
            raise ValueError("must be from 1h to 365d, like 7d")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise ValueError("must be a time zone name like Europe/Rome")
        return value


class StaffSpec(Spec):
    username: Key
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    on_call: bool = False
    language: Language | None = None
    callbacks: str | None = Field(default=None, description='when they take calls customers book: "mon-fri 14:00-17:00"')
    notify: list[NotifyTarget] = []
    notify_env: list[EnvName] = []  # more targets, each read from a variable: a bot token stays out of the file

    @field_validator("callbacks")
    @classmethod
    def _callback_hours(cls, value: str | None) -> str | None:
        return None if value is None else hours.normal(value)


class PlanSpec(Spec):
    id: Key
    name: str | dict[str, str] | None = Field(
        default=None, description='what customers read, one name or one per language: "Platinum" or {it: ..., en: ...}')
    support_hours: str = "24/7"
    holidays: str | None = None
    first_response: dict[str, Duration] = {}
    resolution: dict[str, Duration] = {}
    monthly_hours: float | None = Field(default=None, ge=0)
    includes: list[Service] = []
    uptime: float | None = Field(default=None, description='promised uptime in percent, above 0 and at most 100: 99.9 or "99.9%"')

    @field_validator("uptime", mode="before")
    @classmethod
    def _uptime(cls, value: object) -> float | None:
        if value is None:
            return None
        number = _percent(value)
        if number is None or not 0 < number <= 100:
            raise ValueError('must be a percentage above 0 and at most 100, like 99.9 or "99.9%"')
        return number

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        if isinstance(value, dict):
            unknown = sorted(str(k) for k in value if k not in LANGUAGES)
            if unknown:
                raise ValueError(f"unknown language {unknown[0]!r}; use one of {', '.join(LANGUAGES)}")
            if not value:
                raise ValueError("give a name, or one per language: it, en, es")
        names = [value] if isinstance(value, str) else list(value.values()) if isinstance(value, dict) else []
        if any(isinstance(n, str) and not 1 <= len(n.strip()) <= 100 for n in names):
            raise ValueError("a plan's name has 1 to 100 characters")
        return value

    @field_validator("support_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        try:
            return hours.normal(value)
        except ValueError as e:
            raise ValueError(f'{e} (write "24/7" or days and hours like "mon-fri 09:00-13:00 14:00-18:00, '
                             f'sat 09:00-12:00")') from None

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in _countries():
            raise ValueError("must be a country code with a public holiday calendar, like IT, ES or GB")
        return value and value.upper()

    @field_validator("first_response", "resolution")
    @classmethod
    def _classes(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - SLA_CLASSES)
        if unknown:
            raise ValueError(
                f"unknown asset class {unknown[0]!r}; use 'default' or one of: "
                + ", ".join(sorted(SLA_CLASSES - {"default"}))
            )
        return value


def _percent(value: object) -> float | None:
    """99.9, 100 or "99.9%" as a float; None for anything else (a word, a bool, NaN)."""
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("%").strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class ContactSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    language: Language | None = None
    notify: list[NotifyTarget] = ["email"]
    notify_env: list[EnvName] = []


class CustomerFields(Spec):
    id: Key
    name: str = Field(min_length=1, max_length=200)
    plan: Key | None = None
    language: Language | None = Field(default=None, description="empty: the provider's language")
