"""A small HTTP/1.1 client for checks: one request per connection, an asyncio Protocol and httptools.

Why not httpx or aiohttp: a check needs one request, its status, headers and the start of its body,
thousands of times a minute. Their pools, streams and middleware cost 4 to 13 times the CPU of a bare
Protocol; this client stays close to it (about 10,000 requests per CPU-second on uvloop, where a bare
Protocol does 13,000). Hence: no per-request regex, URL parsing once per URL (a caller that repeats a
request parses it ahead with ``target`` and hands it in), headers kept raw until someone asks, one
shared SSL context per setting.

    target(url) -> Target                       where a request goes; InvalidRequest for a URL we cannot ask
    request(method, url, ...) -> Response      follows redirects; the caller bounds time (asyncio.timeout)

Errors; ``str()`` of each is the reason a person reads, except ``TransportError``, which carries the
low-level ``OSError`` for ``custode.checks.errors.reason_for``:

    HttpError
      TransportError       connect, DNS, TLS handshake or read failed: .host, .error
      InvalidRequest       "invalid request: header 'X' contains a line break"
      InvalidResponse      "invalid HTTP response from server"
      NoResponse           "server closed the connection without a response"
      IncompleteResponse   "connection closed before the response was complete"
      TooManyRedirects     "too many redirects (5)"
      BadRedirect          "redirect to an unsupported location 'ftp://...'"
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import ssl
import sys
import time
from collections.abc import Mapping
from typing import NamedTuple, cast
from urllib.parse import quote, urljoin, urlsplit

import httptools

from custode.checks import source
from custode.checks.addresses import AddressCache, is_ip_literal, shared

__all__ = [
    "MAX_BODY", "BadRedirect", "Headers", "HttpError", "IncompleteResponse", "InvalidRequest",
    "InvalidResponse", "NoResponse", "Response", "Target", "TooManyRedirects", "TransportError", "client_context",
    "request", "target",
]

MAX_BODY = 1024 * 1024
USER_AGENT = "Custode/0.1"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset((301, 302, 303, 307, 308))
# Headers the client owns: a spec's own value for them would break the one-request framing.
_OWNED = frozenset(("connection", "content-length", "transfer-encoding"))
_DEFAULTS = (("user-agent", f"User-Agent: {USER_AGENT}\r\n"), ("accept", "Accept: */*\r\n"))
_ORIGIN_BOUND = frozenset(("host", "authorization", "cookie", "proxy-authorization"))
_PARSER_ERRORS = (httptools.HttpParserError, httptools.HttpParserUpgrade)


class HttpError(Exception):
    """Base of everything ``request`` raises for a failed exchange."""


class TransportError(HttpError):
    """The network failed: DNS, connect, TLS handshake, or the connection broke while reading."""

    def __init__(self, host: str, error: OSError) -> None:
        super().__init__(f"{host}: {error}")
        self.host = host
        self.error = error


class InvalidRequest(HttpError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"invalid request: {problem}")


class InvalidResponse(HttpError):
    def __init__(self) -> None:
        super().__init__("invalid HTTP response from server")


class NoResponse(HttpError):
    def __init__(self) -> None:
        super().__init__("server closed the connection without a response")


class IncompleteResponse(HttpError):
    def __init__(self) -> None:
        super().__init__("connection closed before the response was complete")


class TooManyRedirects(HttpError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"too many redirects ({limit})")


class BadRedirect(HttpError):
    def __init__(self, location: str) -> None:
        super().__init__(f"redirect to an unsupported location {location!r}")


class Headers(dict[str, str]):
    """Response headers by lower-cased name; lookups ignore case. Repeats are joined with ", "."""

    @classmethod
    def from_raw(cls, raw: list[tuple[bytes, bytes]]) -> Headers:
        headers = cls()
        for name, value in raw:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            previous = dict.get(headers, key)
            dict.__setitem__(headers, key, text if previous is None else f"{previous}, {text}")
        return headers

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


class Response:
    """The final response. ``body`` holds at most ``max_body`` bytes; ``truncated`` says more was sent."""

    __slots__ = ("status", "raw_headers", "body", "truncated", "url", "redirects", "elapsed", "_headers")

    def __init__(self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes, truncated: bool,
                 url: str) -> None:
        self.status = status
        self.raw_headers = raw_headers
        self.body = body
        self.truncated = truncated
        self.url = url
        self.redirects = 0
        self.elapsed = 0.0  # seconds from the start of ``request`` to the last byte kept, redirects included
        self._headers: Headers | None = None

    @property
    def headers(self) -> Headers:
        """Built on first use: most checks look at the status only."""
        if self._headers is None:
            self._headers = Headers.from_raw(self.raw_headers)
        return self._headers

    def header(self, name: bytes) -> bytes | None:
        """The first raw value of NAME (lower-case bytes), without building ``headers``."""
        for key, value in self.raw_headers:
            if len(key) == len(name) and key.lower() == name:
                return value
        return None


class Target(NamedTuple):
    """Where a request goes and what its first line and Host header say."""

    scheme: str
    host: str
    port: int
    host_header: str
    path: str
    literal: bool  # the host is an IP address: nothing to resolve


def target(url: str) -> Target:
    """The parts of URL a request needs (about 16 µs of parsing: worth doing once per URL, not per request)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"unsupported URL {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidRequest(f"bad port in {url!r}") from None
    host = parts.hostname if parts.hostname.isascii() else parts.hostname.encode("idna").decode("ascii")
    host_header = parts.netloc.rpartition("@")[2]
    if not host_header.isascii():
        host_header = host_header.replace(parts.hostname, host)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not path.isascii():
        path = quote(path, safe="/?&=%:@!$'()*+,;~[]")
    # interned: the targets kept for thousands of monitors share a few hosts
    return Target(sys.intern(parts.scheme), sys.intern(host), port, sys.intern(host_header), path,
                  is_ip_literal(host))


_redirect_target = functools.lru_cache(maxsize=1024)(target)  # a redirect asks for the same place every check


_CONTEXTS: dict[tuple[bool, bool, str | None, str | None], ssl.SSLContext] = {}


def client_context(verify: bool, *, http: bool = True) -> ssl.SSLContext:
    """The shared context for VERIFY, made once. Trust is the system's, or the bundle named by
    SSL_CERT_FILE / SSL_CERT_DIR as OpenSSL reads them (a private CA), hence their place in the key.
    HTTP offers ALPN "http/1.1"; without it the context suits any TLS service."""
    key = (verify, http, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _CONTEXTS.get(key)
    if context is None:
        context = _CONTEXTS[key] = _new_context(verify, http)
    return context


def _new_context(verify: bool, http: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if http:
        context.set_alpn_protocols(["http/1.1"])
    return context


def basic_authorization(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _request_bytes(method: str, target: Target, headers: Mapping[str, str] | None, body: bytes | None,
                   authorization: str | None) -> bytes:
    parts = [method, " ", target.path, " HTTP/1.1\r\n"]
    given = {name.lower() for name in headers} if headers else ()
    if "host" not in given:  # a spec may name the virtual host while the URL names an address
        parts += ("Host: ", target.host_header, "\r\n")
    for name, line in _DEFAULTS:
        if name not in given:
            parts.append(line)
    if headers:
        _add_headers(parts, headers)
    if authorization is not None:
        parts += ("Authorization: ", authorization, "\r\n")
    if body is not None:
        parts += ("Content-Length: ", str(len(body)), "\r\n")
    parts.append("Connection: close\r\n\r\n")
    head = "".join(parts).encode()
    return head + body if body else head


def _add_headers(parts: list[str], headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value or ":" in name:
            raise InvalidRequest(f"header {name!r} contains a line break or a colon")
        if name.lower() not in _OWNED:
            parts += (name, ": ", value, "\r\n")


class _Exchange(asyncio.Protocol):
    """Writes one request, parses one response, resolves ``done``. Stops reading at ``limit`` body bytes."""

    __slots__ = ("_request", "_head", "_limit", "_done", "_transport", "_parser", "_received", "status",
                 "raw_headers", "chunks", "size", "truncated")

    def __init__(self, request: bytes, head: bool, limit: int, done: asyncio.Future[None]) -> None:
        self._request = request
        self._head = head
        self._limit = limit
        self._done = done
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._received = False
        self.status = 0
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self._done.done():
            return
        self._received = True
        try:
            self._parser.feed_data(data)
        except _PARSER_ERRORS:
            self._fail(InvalidResponse())

    def eof_received(self) -> bool:
        self._ended()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and isinstance(exc, OSError) and not self._done.done():
            self._fail(TransportError("", exc))
        self._ended()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        if self._head or self.status == 101:
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self.truncated:
            return
        room = self._limit - self.size
        if len(body) > room:
            body, self.truncated = body[:room], True
        self.chunks.append(body)
        self.size += len(body)
        if self.truncated:
            self._finish()

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:  # an interim answer (103 Early Hints): the real one follows
            self.raw_headers = []
            return
        self._finish()

    def _ended(self) -> None:
        """The peer closed: a body without length or chunks ends here; anything else is cut short."""
        if self._done.done():
            return
        if not self._received:
            self._fail(NoResponse())
        elif self.status and not self._framed():
            self._finish()
        else:
            self._fail(IncompleteResponse())

    def _framed(self) -> bool:
        return any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.raw_headers)

    def _finish(self) -> None:
        if not self._done.done():
            self._done.set_result(None)
        if self._transport is not None:
            self._transport.abort()

    def _fail(self, error: HttpError) -> None:
        if not self._done.done():
            self._done.set_exception(error)
        if self._transport is not None:
            self._transport.abort()

    def release(self) -> None:
        """Drop the parser and the transport, which point back at this exchange: without these cycles an
        exchange is freed as soon as it ends, instead of waiting, with thousands of others, for the garbage
        collector (whose sweep of them stalled the loop for a third of a second every few seconds)."""
        self._parser = self._transport = None


async def _connect(exchange: _Exchange, target: Target, context: ssl.SSLContext | None,
                   resolver: AddressCache) -> asyncio.BaseTransport:
    """A connection to the first of the host's addresses that takes one, as ``create_connection``
    would, with the addresses from RESOLVER; the first error when none does."""
    loop = asyncio.get_running_loop()
    server_hostname = target.host if context is not None else None
    if target.literal:
        transport, _ = await loop.create_connection(lambda: exchange, target.host, target.port, ssl=context,
                                                    server_hostname=server_hostname, local_addr=source.local_addr())
        return transport
    errors: list[OSError] = []
    for family, address in await resolver.resolve(target.host, target.port):
        try:
            transport, _ = await loop.create_connection(lambda: exchange, address, target.port, ssl=context,
                                                        family=family, server_hostname=server_hostname,
                                                        local_addr=source.local_addr())
            return transport
        except OSError as e:
            errors.append(e)
    raise errors[0]


async def _exchange(method: str, url: str, target: Target, request_bytes: bytes, context: ssl.SSLContext | None,
                    limit: int, resolver: AddressCache) -> Response:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    exchange = _Exchange(request_bytes, method == "HEAD", limit, done)
    try:
        transport = await _connect(exchange, target, context, resolver)
    except OSError as e:
        exchange.release()
        raise TransportError(target.host, e) from e
    try:
        await done
    except TransportError as e:
        raise TransportError(target.host, e.error) from e.error
    finally:
        transport.abort()
        exchange.release()
    body = exchange.chunks[0] if len(exchange.chunks) == 1 else b"".join(exchange.chunks)
    return Response(exchange.status, exchange.raw_headers, body, exchange.truncated, url)


async def request(method: str, url: str, *, headers: Mapping[str, str] | None = None,
                  body: str | bytes | None = None, auth: tuple[str, str] | None = None, verify: bool = True,
                  ssl_context: ssl.SSLContext | None = None, follow_redirects: bool = True,
                  max_redirects: int = MAX_REDIRECTS, max_body: int = MAX_BODY,
                  resolver: AddressCache = shared, parsed: Target | None = None) -> Response:
    """Send one request (and its redirects); return the final response.

    PARSED is ``target(url)``, for a caller that parsed URL ahead (it must be URL's).
    ``ssl_context`` replaces the shared context of ``client_context(verify)``: for a private CA.
    Redirects: 303 turns into GET (HEAD stays HEAD), 301/302 turn a POST into GET, 307/308 keep both
    method and body. Credentials (and a Host header given in HEADERS) are sent only while the scheme,
    host and port stay those of URL. Host names are looked up through RESOLVER, the process's
    short-lived cache of answers by default (``custode.checks.addresses``).
    """
    started = time.perf_counter()
    payload = body.encode() if isinstance(body, str) else body
    authorization = basic_authorization(*auth) if auth else None
    where = parsed or target(url)
    origin = where[:3]
    for redirects in range(max_redirects + 1):
        context = (ssl_context or client_context(verify)) if where.scheme == "https" else None
        if where[:3] == origin:
            head = _request_bytes(method, where, headers, payload, authorization)
        else:
            head = _request_bytes(method, where, _elsewhere(headers), payload, None)
        response = await _exchange(method, url, where, head, context, max_body, resolver)
        location = response.header(b"location") if response.status in _REDIRECTS else None
        if not follow_redirects or location is None:
            response.redirects, response.elapsed = redirects, time.perf_counter() - started
            return response
        url, where = _follow(url, location.decode("latin-1").strip())
        method, payload = _redirected(method, payload, response.status)
    raise TooManyRedirects(max_redirects)


def _follow(url: str, location: str) -> tuple[str, Target]:
    """The absolute URL a Location points to, and its target; only http and https are followed."""
    absolute = urljoin(url, location)
    try:
        return absolute, _redirect_target(absolute)
    except InvalidRequest:
        raise BadRedirect(location) from None


def _elsewhere(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """HEADERS without those that belong to the first origin, for a redirect to another one."""
    if not headers:
        return headers
    return {name: value for name, value in headers.items() if name.lower() not in _ORIGIN_BOUND}


def _redirected(method: str, payload: bytes | None, status: int) -> tuple[str, bytes | None]:
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        return "GET", None
    return method, payload
