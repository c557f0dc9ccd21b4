"""What each check type needs, one spec per type, told apart by ``type``.

The config file, the API and the engine read monitors through these specs; the
database keeps the type-specific part as the same JSON the file holds.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, ValidationInfo, field_validator

from custode.lib.types import Duration, EnvName, Host, HttpUrl, Key, Location, ShortDuration, Spec

COMMON_FIELDS = ("id", "type", "interval", "retries", "timeout", "paused", "impact", "tell_customer", "locations",
                 "quorum")
DEFAULT_LOCATIONS = ("local",)  # where `custode engine` checks from unless told --location
Impact = Literal["outage", "degraded", "job"]
_STATUS_RANGE = re.compile(r"^([1-5])xx$|^([1-5]\d\d)-([1-5]\d\d)$")


class MonitorBase(Spec):
    id: Key
    interval: Duration = 60
    retries: int = Field(default=1, ge=0, le=10)
    timeout: ShortDuration = 10.0
    paused: bool = False
    impact: Impact = "outage"
    tell_customer: bool = False
    # The locations whose engines check it, and how many of them must see it failing for it to be DOWN.
    locations: list[Location] = list(DEFAULT_LOCATIONS)
    quorum: int = 1

    @field_validator("locations")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one location, like [local]")
        twice = sorted({name for name in value if value.count(name) > 1})
        if twice:
            raise ValueError(f"names {twice[0]!r} twice")
        return value

    @field_validator("quorum")
    @classmethod
    def _quorum(cls, value: int, info: ValidationInfo) -> int:
        """Between 1 and the number of locations (when those are valid: else their own error says why)."""
        if "locations" not in info.data:
            return value
        count = len(info.data["locations"])
        if count == 1 and value != 1:
            raise ValueError(f"must be 1 with one location, got {value} (a quorum counts the locations that agree)")
        if not 1 <= value <= count:
            raise ValueError(f"must be between 1 and {count}, the number of its locations, got {value}")
        return value


class HttpExpect(Spec):
    status: int | list[int] | str | None = None
    body_contains: str | None = None
    body_regex: str | None = None
    json_path: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    max_latency: ShortDuration | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: Any) -> Any:
        codes = value if isinstance(value, list) else [value]
        for code in codes:
            if isinstance(code, int) and 100 <= code <= 599:
                continue
            if isinstance(code, str) and not isinstance(value, list) and _STATUS_RANGE.match(code):
                continue
            if code is None:
                continue
            raise ValueError("must be a status code like 200, a list like [200, 301], or a range like 2xx or 200-399")
        return value

    @field_validator("body_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"is not a valid regular expression: {e}") from None
        return value


class BasicAuth(Spec):
    user: str
    password_env: EnvName


class HttpSpec(MonitorBase):
    type: Literal["http"]
    url: HttpUrl
    method: Literal["GET", "HEAD", "POST"] = "GET"
    headers: dict[str, str] = {}
    body: str | None = None
    expect: HttpExpect = HttpExpect()
    follow_redirects: bool = True
    verify_tls: bool = True
    basic_auth: BasicAuth | None = None


class TlsSpec(MonitorBase):
    type: Literal["tls"]
    host: Host
    port: int = Field(default=443, ge=1, le=65535)
    warn_before: Duration = 14 * 86400
    interval: Duration = 3600


class TcpSpec(MonitorBase):
    type: Literal["tcp"]
    host: Host
    port: int = Field(ge=1, le=65535)
    send: str | None = None
    expect: str | None = None


class PingSpec(MonitorBase):
    type: Literal["ping"]
    host: Host


class DnsSpec(MonitorBase):
    type: Literal["dns"]
    name: Host
    record: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"] = "A"
    expect: list[str] = []
    resolver: Host | None = None


class DatabaseBase(MonitorBase):
    host: Host
    user: str | None = None
    password_env: EnvName | None = None
    database: str | None = None
    query: str | None = None
    expect: str | None = None


class MysqlSpec(DatabaseBase):
    type: Literal["mysql"]
    port: int = Field(default=3306, ge=1, le=65535)


class PostgresSpec(DatabaseBase):
    type: Literal["postgres"]
    port: int = Field(default=5432, ge=1, le=65535)


class RedisSpec(MonitorBase):
    type: Literal["redis"]
    host: Host
    port: int = Field(default=6379, ge=1, le=65535)
    user: str | None = None
    password_env: EnvName | None = None
    database: int = Field(default=0, ge=0)
    tls: bool = False


class SmtpSpec(MonitorBase):
    type: Literal["smtp"]
    host: Host
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    verify_tls: bool = True


class PushSpec(MonitorBase):
    type: Literal["push"]
    grace: Duration = 60
    impact: Impact = "job"


MONITOR_CLASSES = (HttpSpec, TlsSpec, TcpSpec, PingSpec, DnsSpec, MysqlSpec, PostgresSpec, RedisSpec, SmtpSpec, PushSpec)
MonitorSpec = Annotated[Union[MONITOR_CLASSES], Field(discriminator="type")]  # type: ignore[valid-type]
MONITOR_TYPES = tuple(cls.model_fields["type"].annotation.__args__[0] for cls in MONITOR_CLASSES)
monitor_spec: TypeAdapter[Any] = TypeAdapter(MonitorSpec)
