"""Render a status page once, serve the bytes to everyone, and answer repeat visitors with 304.

A rendering is cached under the page's identity and a *fingerprint* of what pages show: one query of
scalar aggregates over monitors, state changes, incidents, their updates, maintenance windows and
assets. Any state change, incident update or maintenance edit moves the fingerprint, so the next request
renders afresh; what the fingerprint cannot see (a rename, the next hour's rollup, a window starting) is
picked up when the rendering expires, at most ``MAX_AGE`` seconds later.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from custode.assets.models import Asset
from custode.incidents.models import Incident, Update
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor
from custode.results.models import StateChange

MAX_AGE = 60
WAIT = 2.0


@dataclass(frozen=True)
class Rendering:
    body: bytes
    gzipped: bytes  # compressed once, for every client that accepts gzip
    content_type: str
    language: str
    etag: str
    last_modified: int


def _aggregates() -> list[tuple[type, str, str]]:
    """(model, aggregate, column) triples; the columns are quoted when the query is built."""
    return [
        (Monitor, "MAX", "state_since"), (Monitor, "COUNT", "id"), (Monitor, "SUM", "paused"),
        (StateChange, "MAX", "id"),
        (Incident, "MAX", "id"), (Incident, "COUNT", "confirmed_at"), (Incident, "COUNT", "resolved_at"),
        (Incident, "MAX", "resolved_at"), (Incident, "COUNT", "merged_into_id"),
        (Update, "MAX", "id"), (Update, "COUNT", "id"),
        (MaintenanceWindow, "MAX", "id"), (MaintenanceWindow, "COUNT", "id"),
        (MaintenanceWindow, "SUM", "duration"), (MaintenanceWindow, "MAX", "start"),
        (Asset, "MAX", "id"), (Asset, "COUNT", "id"), (Asset, "SUM", "public"),
    ]


def _scalar(model: type, function: str, column: str) -> str:
    q = connection.ops.quote_name
    value = q(column)
    if function == "SUM" and column in ("paused", "public"):
        value = f"CASE WHEN {value} THEN 1 ELSE 0 END"
    return f"(SELECT {function}({value}) FROM {q(model._meta.db_table)})"


def fingerprint() -> str:
    """A short digest that changes whenever a state, an incident, an update or a maintenance window does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(_scalar(*a) for a in _aggregates()))
        row = cursor.fetchone()
    return hashlib.blake2b(repr(row).encode(), digest_size=12).hexdigest()


def cache_key(identity: tuple, fingerprint: str) -> str:
    return "status:" + hashlib.blake2b(repr((identity, fingerprint)).encode(), digest_size=16).hexdigest()


# Public renderings are also kept in this process's memory, where the ASGI fast path
# (``custode.status.asgi``) finds them without a thread hop or unpickling: {key: (rendering, expiry)}.
_memo: dict[str, tuple[Rendering, float]] = {}
MEMO_LIMIT = 2000


def remember(key: str, rendering: Rendering) -> None:
    if len(_memo) >= MEMO_LIMIT:
        _memo.clear()
    _memo[key] = (rendering, time.monotonic() + MAX_AGE)


def forget() -> None:
    """Drop every rendering kept in memory (the Django cache is cleared with ``cache.clear()``)."""
    _memo.clear()


def recall(key: str) -> Rendering | None:
    entry = _memo.get(key)
    return entry[0] if entry and entry[1] > time.monotonic() else None


def cached_response(request: HttpRequest, identity: tuple, render: Callable[[], tuple[bytes, str, str]],
                    *, private: bool) -> HttpResponse:
    """The response for the page IDENTITY; RENDER gives (body, content type, language) on a cache miss.

    PRIVATE pages (a customer's) tell shared caches not to keep them.
    """
    key = cache_key(identity, fingerprint())
    rendering = recall(key)
    if rendering is None:
        rendering = cache.get(key) or _render_once(key, render)
        if not private:
            remember(key, rendering)
    compressed = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    etag, body, headers = representation(rendering, compressed=compressed, private=private)
    response = get_conditional_response(request, etag=etag, last_modified=rendering.last_modified)
    if response is None:
        response = HttpResponse(body, content_type=rendering.content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    for name, value in headers.items():
        if name != "Content-Encoding" or response.status_code == 200:
            response.headers[name] = value
    return response


def representation(rendering: Rendering, *, compressed: bool, private: bool) -> tuple[str, bytes, dict[str, str]]:
    """(ETag, body, headers) of RENDERING, gzipped or not: one ETag per representation."""
    etag = rendering.etag[:-1] + '-gz"' if compressed else rendering.etag
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(rendering.last_modified),
        "Content-Language": rendering.language,
        "Cache-Control": ("private" if private else "public") + ", max-age=0, must-revalidate",
    }
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return etag, rendering.gzipped if compressed else rendering.body, headers


def accepts_gzip(accept_encoding: str) -> bool:
    for coding in accept_encoding.lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _render_once(key: str, render: Callable[[], tuple[bytes, str, str]]) -> Rendering:
    """Render and cache KEY; when a storm of requests misses at once, one renders and the others wait for it
    (up to ``WAIT`` seconds, then they render too rather than fail)."""
    lock = key + ":rendering"
    if not cache.add(lock, True, WAIT):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            time.sleep(0.01)
            if (rendering := cache.get(key)) is not None:
                return rendering
            if cache.get(lock) is None:  # the renderer failed (a 404, say): try for ourselves
                break
    try:
        body, content_type, language = render()
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        rendering = Rendering(body, gzip.compress(body, 6, mtime=0), content_type, language, etag, int(time.time()))
        cache.set(key, rendering, MAX_AGE)
        return rendering
    finally:
        cache.delete(lock)
