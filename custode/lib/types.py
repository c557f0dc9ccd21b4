"""Field types shared by every spec: what config files, the API and the services accept.

Each type carries the message a person sees when the value is wrong, so an error reads
``must be a duration like 30s, 5m, 2h`` rather than a parser's complaint.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from custode.lib import durations

Language = Literal["it", "en", "es"]
LANGUAGES = ("it", "en", "es")

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$")


class Spec(BaseModel):
    """Base of every spec: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _error(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx)


def _key(value: Any) -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value):  # match's $ lets a trailing newline through
        raise _error(
            "key",
            "must be an id of lowercase letters, digits, '-' and '_' (at most 63), like 'studio-bianchi'",
        )
    return value


MAX_DURATION = 3650 * 86400  # ten years: a whole-second duration must fit the database's 32-bit integer columns


def _duration(minimum: float, fractions: bool, maximum: float | None = None):
    example = "500ms, 10s, 1m" if fractions else "30s, 5m, 2h"

    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, str):
            raise _error("duration", f"must be a duration like {example}")
        try:
            seconds = durations.parse(value)
        except ValueError:
            raise _error("duration", f"must be a duration like {example}") from None
        if not fractions and seconds != int(seconds):
            raise _error("duration", f"must be whole seconds, like {example}")
        if seconds < minimum:
            raise _error("duration", f"must be at least {durations.format(minimum)}")
        if maximum is not None and seconds > maximum:
            raise _error("duration", f"must be at most {durations.format(maximum)}")
        return seconds if fractions else int(seconds)

    return parse


def _serialize_duration(seconds: float) -> str:
    return durations.format(seconds)


Key = Annotated[str, BeforeValidator(_key), WithJsonSchema({"type": "string", "pattern": _KEY.pattern, "examples": ["studio-bianchi"]})]
# Whole seconds, at least one: intervals, grace periods, SLA targets.
Duration = Annotated[int, BeforeValidator(_duration(1, False, MAX_DURATION)), PlainSerializer(_serialize_duration, when_used="json")]
# Fractions allowed: timeouts and latency limits.
ShortDuration = Annotated[float, BeforeValidator(_duration(0.001, True)), PlainSerializer(_serialize_duration, when_used="json")]
# What the OpenAPI document says of both (their Python type is a number of seconds; the wire's is text).
_DURATION_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$", "examples": ["30s", "5m"]})
Duration = Annotated[Duration, _DURATION_SCHEMA]
ShortDuration = Annotated[ShortDuration, _DURATION_SCHEMA]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _error("date", "must be a date like 2027-03-12")


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise _error("datetime", "must name its UTC offset, like 2026-12-01T22:00:00+01:00")
        return value
    raise _error("datetime", "must be a date and time like 2026-12-01T22:00:00+01:00")


Date = Annotated[dt.date, BeforeValidator(_date), PlainSerializer(lambda d: d.isoformat(), when_used="json")]
DateTime = Annotated[dt.datetime, BeforeValidator(_datetime), PlainSerializer(lambda d: d.isoformat(), when_used="json")]


def _host(value: Any) -> str:
    if isinstance(value, str):
        value = value.strip()
        try:
            ipaddress.ip_address(value)
            return value
        except ValueError:
            if _HOST.match(value):
                return value
    raise _error("host", "must be a host name or an IP address, like db.example.com or 192.0.2.10")


Host = Annotated[str, BeforeValidator(_host)]


def _http_url(value: Any) -> str:
    if isinstance(value, str):
        parts = urlsplit(value.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            return value.strip()
    raise _error("url", "must be a URL starting with http:// or https://, like https://www.example.com/")


HttpUrl = Annotated[str, BeforeValidator(_http_url)]


LOCATION = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
LOCATION_RULE = "must be a location name of lowercase letters, digits, '-' and '_' (at most 32), starting with a letter, like 'milan'"


def _location(value: Any) -> str:
    """A place engines check from (``custode engine --location``): a name for logs, metrics and down reasons."""
    if not isinstance(value, str) or not LOCATION.fullmatch(value):
        raise _error("location", LOCATION_RULE)
    return value


Location = Annotated[str, BeforeValidator(_location), WithJsonSchema({"type": "string", "pattern": LOCATION.pattern,
                                                                      "examples": ["milan"]})]


def _env_name(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return value
    raise _error("env", "must name an environment variable, like DB_PASSWORD (secrets never sit in the file)")


EnvName = Annotated[str, BeforeValidator(_env_name)]
