"""HTTP(S) check: one request (following redirects unless told not to), judged by the spec's ``expect``.

Every failed expectation names what was found: "status 503, expected 200",
"JSON status is 'fail', expected 'ok'", "slow: 2.3s, limit 1s". The first failed one is the reason.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from custode.checks import httpclient
from custode.checks.deadline import within
from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.checks.secrets import MissingSecret, secret
from custode.lib import durations
from custode.monitors.specs import HttpExpect, HttpSpec

_MISSING = object()


class Prepared(NamedTuple):
    """A spec and its URL parsed (``httpclient.target``): made once when the monitor is loaded, so a check
    does not parse the URL again every time (a cache keyed by URL misses once monitors outnumber it)."""

    spec: HttpSpec
    target: httpclient.Target


def prepare(spec: HttpSpec) -> HttpSpec | Prepared:
    """What to give ``check`` for SPEC at every run; the spec itself when its URL cannot be asked (each check
    then says why)."""
    try:
        return Prepared(spec, httpclient.target(spec.url))
    except httpclient.InvalidRequest:
        return spec


async def check(spec: HttpSpec | Prepared) -> Result:
    spec, parsed = spec if isinstance(spec, Prepared) else (spec, None)
    try:
        auth = (spec.basic_auth.user, secret(spec.basic_auth.password_env) or "") if spec.basic_auth else None
    except MissingSecret as e:
        return Result.error(str(e))
    try:
        async with within(spec.timeout):
            response = await httpclient.request(
                spec.method, spec.url, headers=spec.headers, body=spec.body, auth=auth, verify=spec.verify_tls,
                follow_redirects=spec.follow_redirects, parsed=parsed)
    except httpclient.TransportError as e:
        return Result.down(reason_for(e.error, host=e.host, timeout=spec.timeout))
    except httpclient.HttpError as e:
        return Result.down(str(e))
    except TimeoutError as e:
        return Result.down(reason_for(e, timeout=spec.timeout))
    return judge(response, spec.expect)


def judge(response: httpclient.Response, expect: HttpExpect) -> Result:
    """UP, or DOWN with the first expectation the response fails."""
    latency_ms = round(response.elapsed * 1000, 1)
    details: dict[str, Any] = {"status_code": response.status, "url": response.url, "body_bytes": len(response.body)}
    if response.redirects:
        details["redirects"] = response.redirects
    if response.truncated:
        details["truncated"] = True
    for rule in _RULES:
        reason = rule(response, expect)
        if reason:
            return Result.down(reason, latency_ms, **details)
    return Result.up(latency_ms, **details)


def _status(response: httpclient.Response, expect: HttpExpect) -> str | None:
    wanted = expect.status if expect.status is not None else "200-399"
    if isinstance(wanted, int):
        ok, shown = response.status == wanted, str(wanted)
    elif isinstance(wanted, list):
        ok, shown = response.status in wanted, " or ".join(map(str, wanted))
    else:
        low, high = _status_range(wanted)
        ok, shown = low <= response.status <= high, wanted
    return None if ok else f"status {response.status}, expected {shown}"


@functools.lru_cache(maxsize=64)
def _status_range(text: str) -> tuple[int, int]:
    """'2xx' -> (200, 299); '200-399' -> (200, 399). The spec has validated the shape."""
    if text.endswith("xx"):
        return int(text[0]) * 100, int(text[0]) * 100 + 99
    low, high = text.split("-")
    return int(low), int(high)


def _headers(response: httpclient.Response, expect: HttpExpect) -> str | None:
    for name, wanted in (expect.headers or {}).items():
        actual = response.headers.get(name)
        if actual is None:
            return f"header {name} is missing, expected {wanted!r}"
        if actual.strip() != wanted.strip():
            return f"header {name} is {actual!r}, expected {wanted!r}"
    return None


def _contains(response: httpclient.Response, expect: HttpExpect) -> str | None:
    if expect.body_contains is None or expect.body_contains in _text(response):
        return None
    return f"body does not contain {expect.body_contains!r}{_cut(response)}"


def _matches(response: httpclient.Response, expect: HttpExpect) -> str | None:
    if expect.body_regex is None or _regex(expect.body_regex).search(_text(response)):
        return None
    return f"body does not match /{expect.body_regex}/{_cut(response)}"


def _json(response: httpclient.Response, expect: HttpExpect) -> str | None:
    if not expect.json_path:
        return None
    try:
        document = json.loads(response.body)
    except ValueError:
        return f"body is not JSON{_cut(response)}"
    for path, wanted in expect.json_path.items():
        actual = _lookup(document, path)
        shown = path.removeprefix("$").removeprefix(".")
        if actual is _MISSING:
            return f"JSON {shown} is missing, expected {_show(wanted)}"
        if actual != wanted or isinstance(actual, bool) != isinstance(wanted, bool):
            return f"JSON {shown} is {_show(actual)}, expected {_show(wanted)}"
    return None


def _latency(response: httpclient.Response, expect: HttpExpect) -> str | None:
    if expect.max_latency is None or response.elapsed <= expect.max_latency:
        return None
    return f"slow: {_seconds(response.elapsed)}, limit {durations.format(expect.max_latency)}"


_RULES: tuple[Callable[[httpclient.Response, HttpExpect], str | None], ...] = (
    _status, _headers, _contains, _matches, _json, _latency)


def _text(response: httpclient.Response) -> str:
    """The body as text, in the charset the server names (UTF-8 when it names none or an unknown one)."""
    content_type = (response.header(b"content-type") or b"").decode("latin-1").lower()
    charset = content_type.partition("charset=")[2].split(";")[0].strip().strip('"') or "utf-8"
    try:
        return response.body.decode(charset, errors="replace")
    except LookupError:
        return response.body.decode("utf-8", errors="replace")


def _cut(response: httpclient.Response) -> str:
    return f" (first {len(response.body) // 1024} KiB read)" if response.truncated else ""


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@functools.lru_cache(maxsize=256)
def _steps(path: str) -> tuple[str, ...]:
    """'$.data.items[0].name' -> ('data', 'items', '0', 'name')."""
    path = path.removeprefix("$").replace("[", ".").replace("]", "")
    return tuple(step for step in path.split(".") if step)


def _lookup(document: Any, path: str) -> Any:
    for step in _steps(path):
        if isinstance(document, dict) and step in document:
            document = document[step]
        elif isinstance(document, list) and step.isdigit() and int(step) < len(document):
            document = document[int(step)]
        else:
            return _MISSING
    return document


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


def _seconds(seconds: float) -> str:
    """2.31 -> '2.3s'; 0.25 -> '250ms'."""
    return f"{round(seconds * 1000)}ms" if seconds < 1 else f"{seconds:.1f}s"
