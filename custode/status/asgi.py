"""The storm path: repeat requests for the public status page answered from memory, before Django.

When a shared server goes down every customer opens the page at once. A rendering Django has made
(``caching.cached_response``) is kept in this process; a request that would be answered with exactly
those bytes (same page, language, page number, host and fingerprint) is answered here, in the event
loop, with the same headers and the same 304 rules. Anything else, a miss, a private page or a bad
parameter, goes to Django as usual.

The fingerprint is read by one database thread at most every ``FRESH`` seconds (the Django path reads
it on every request), so a change reaches the fast path within about a second.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.db import close_old_connections
from django.http.cookie import parse_cookie
from django.utils.http import parse_etags, parse_http_date_safe

from custode.status import caching, views

FRESH = 1.0
_HEADERS = (
    (b"vary", b"Accept-Encoding, Accept-Language, Cookie"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


@dataclass(frozen=True)
class Snapshot:
    fingerprint: str
    slug: str
    language: str
    taken: float


def _read() -> Snapshot | None:
    from django.conf import settings

    from custode.directory.models import Provider

    close_old_connections()
    provider = Provider.objects.filter(pk=1, configured=True).values_list("status_slug", "language").first()
    if provider is None or not provider[0]:
        return None
    return Snapshot(caching.fingerprint(), provider[0], provider[1] or settings.LANGUAGE_CODE, time.monotonic())


class StatusApp:
    def __init__(self, app: Any):
        self.app = app
        self.db = ThreadPoolExecutor(1, thread_name_prefix="custode-status")
        self.snapshot: Snapshot | None = None
        self.refreshing: asyncio.Future | None = None
        self.prepared: dict[tuple[str, bool], tuple] = {}
        self.keys: dict[tuple, str | None] = {}

    def close(self) -> None:
        """Close the database connection of the snapshot thread (the next snapshot opens a new one)."""
        from django.db import connections

        self.db.submit(connections.close_all).result()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"].startswith("/status/")
                and not scope["path"].startswith("/status/c/") and await self._answer(scope, send)):
            return
        await self.app(scope, receive, send)

    async def _current(self) -> Snapshot | None:
        """The latest snapshot; a stale one is used while a fresh one is read (none yet: wait for it)."""
        snapshot = self.snapshot
        if snapshot is not None and time.monotonic() - snapshot.taken < FRESH:
            return snapshot
        if self.refreshing is None:
            self.refreshing = asyncio.get_running_loop().run_in_executor(self.db, _read)
            self.refreshing.add_done_callback(self._refreshed)
        return snapshot if snapshot is not None else await asyncio.shield(self.refreshing)

    def _refreshed(self, future: asyncio.Future) -> None:
        self.refreshing = None
        if not future.cancelled() and future.exception() is None:
            self.snapshot = future.result()

    async def _answer(self, scope: dict, send: Any) -> bool:
        snapshot = await self._current()
        if snapshot is None:
            return False
        headers = {k: v.decode("latin-1") for k, v in scope["headers"] if k.lower() in _READ}
        key = self._key(scope, headers, snapshot)
        rendering = key and caching.recall(key)
        if not rendering:
            return False
        compressed = caching.accepts_gzip(headers.get(b"accept-encoding", ""))
        etag, body, ok, not_modified = self._prepared(key, rendering, compressed)
        if _not_modified(etag, rendering.last_modified, headers):
            await send({"type": "http.response.start", "status": 304, "headers": not_modified})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": ok})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        return True

    def _key(self, scope: dict, headers: dict[bytes, str], snapshot: Snapshot) -> str | None:
        """``_key``, remembered: a storm repeats a handful of (URL, language headers) many times over."""
        asked = (scope["path"], scope.get("query_string", b""), headers.get(b"host"), headers.get(b"accept-language"),
                 headers.get(b"cookie"), snapshot.fingerprint, snapshot.slug, snapshot.language)
        if asked not in self.keys:
            if len(self.keys) >= caching.MEMO_LIMIT:
                self.keys.clear()
            self.keys[asked] = _key(scope, headers, snapshot)
        return self.keys[asked]

    def _prepared(self, key: str, rendering: caching.Rendering, compressed: bool) -> tuple:
        """(ETag, body, 200 headers, 304 headers) of a rendering, built once per rendering and encoding."""
        found = self.prepared.get((key, compressed))
        if found is None or found[0] is not rendering:
            etag, body, extra = caching.representation(rendering, compressed=compressed, private=False)
            validators = [(k.lower().encode(), v.encode("latin-1")) for k, v in extra.items()
                          if k != "Content-Encoding"]
            ok = [(b"content-type", rendering.content_type.encode()), (b"content-length", str(len(body)).encode()),
                  *[(k.lower().encode(), v.encode("latin-1")) for k, v in extra.items()], *_HEADERS]
            if len(self.prepared) >= caching.MEMO_LIMIT:
                self.prepared.clear()
            found = self.prepared[(key, compressed)] = (rendering, (etag, body, ok, [*validators, *_HEADERS]))
        return found[1]


_READ = {b"host", b"accept-encoding", b"accept-language", b"cookie", b"if-none-match", b"if-modified-since"}


def _route(path: str, slug: str) -> str | None:
    """The format a public status URL of SLUG asks for (html, json, atom, badge:<key>), else None."""
    base = f"/status/{slug}"
    if path == base + "/":
        return "html"
    if path == base + ".json":
        return "json"
    if path == base + "/feed.atom":
        return "atom"
    key = path.removeprefix(base + "/badge/").removesuffix(".svg")
    if path == f"{base}/badge/{key}.svg" and key and "/" not in key:
        return f"badge:{key}"
    return None


def _key(scope: dict, headers: dict[bytes, str], snapshot: Snapshot) -> str | None:
    """The cache key Django's view would compute for this request, or None when Django must answer."""
    fmt = _route(scope["path"], snapshot.slug)
    host = headers.get(b"host")
    if fmt is None or not host:
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    try:
        number = views.page_number(query["page"][-1] if "page" in query else "1")
        if "lang" in query:
            language = views.checked_language(query["lang"][-1])
        else:
            cookie = parse_cookie(headers.get(b"cookie", "")).get(_cookie_name()) if b"cookie" in headers else None
            language = views.browser_language(cookie, headers.get(b"accept-language", "")) or snapshot.language
    except views.BadParameter:
        return None
    identity = views.page_identity(fmt, ("public", snapshot.slug), language, number, host)
    return caching.cache_key(identity, snapshot.fingerprint)


def _cookie_name() -> str:
    from django.conf import settings

    return settings.LANGUAGE_COOKIE_NAME


def _not_modified(etag: str, last_modified: int, headers: dict[bytes, str]) -> bool:
    """RFC 9110's rules for GET, as Django applies them: If-None-Match first, else If-Modified-Since."""
    if b"if-none-match" in headers:
        etags = parse_etags(headers[b"if-none-match"])
        return "*" in etags or etag.removeprefix("W/") in [e.removeprefix("W/") for e in etags]
    if b"if-modified-since" not in headers:
        return False
    since = parse_http_date_safe(headers[b"if-modified-since"])
    return since is not None and last_modified <= since
