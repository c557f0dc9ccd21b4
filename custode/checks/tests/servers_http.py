"""Real HTTP and HTTPS servers on loopback for the http and tls check tests.

One asyncio loop in a background thread serves the same routes over plain HTTP and over HTTPS with
each kind of certificate a check must tell apart: valid (from a test CA), expiring in 5 days,
expired, self-signed, for the wrong host name, and from a CA nobody trusts. Responses are written
by hand so a route can misbehave on purpose (garbage, silence, a body cut short).

Use: ``from custode.checks.tests.servers_http import *`` in a test module.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "AUTH_PASSWORD", "AUTH_USER", "BIG_BODY_SIZE", "JSON_BODY", "OK_BODY", "ServerThread", "expired_server",
    "expiring_server", "http_server", "https_server", "refused_port", "run", "self_signed_server",
    "server_thread", "test_ca", "trust_test_ca", "untrusted_server", "wrong_host_server",
]

T = TypeVar("T")

OK_BODY = "<h1>Studio Legale Bianchi</h1><p>ok1</p>"
JSON_BODY = {"status": "ok", "data": {"items": [{"name": "a"}]}, "count": 3}
AUTH_USER, AUTH_PASSWORD = "studio", "s3cret"
BIG_BODY_SIZE = 3 * 1024 * 1024


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run an async check from a sync test (no pytest-asyncio here)."""
    return asyncio.run(coro)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    reader: asyncio.StreamReader
    query: str = ""


Writer = asyncio.StreamWriter
Route = Callable[[Request, Writer], Awaitable[None]]


def _response(status: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} Whatever", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body)


async def _send(writer: Writer, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


async def _ok(request: Request, writer: Writer) -> None:
    headers = {"Content-Type": "text/html; charset=utf-8", "X-Served-By": "custode-test"}
    await _send(writer, _response(200, OK_BODY.encode(), headers, head=request.method == "HEAD"))


async def _status(request: Request, writer: Writer) -> None:
    code = int(request.path.rsplit("/", 1)[1])
    await _send(writer, _response(code, f"status {code}".encode()))


def _redirect(status: int, location: str) -> Route:
    async def route(request: Request, writer: Writer) -> None:
        await _send(writer, _response(status, headers={"Location": location}))
    return route


async def _redirect_absolute(request: Request, writer: Writer) -> None:
    scheme = "https" if writer.get_extra_info("sslcontext") else "http"
    location = f"{scheme}://{request.headers['host']}/ok"
    await _send(writer, _response(301, headers={"Location": location}))


async def _redirect_to(request: Request, writer: Writer) -> None:
    """/redirect-to?URL: anywhere, another server included."""
    await _send(writer, _response(302, headers={"Location": request.query}))


async def _chain(request: Request, writer: Writer) -> None:
    """/chain/3 -> /chain/2 -> /chain/1 -> /chain/0 -> /ok: as many redirects as the number says."""
    left = int(request.path.rsplit("/", 1)[1])
    location = f"/chain/{left - 1}" if left > 1 else "/ok"
    await _send(writer, _response(302, headers={"Location": location}))


async def _chunked(request: Request, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n")
    for piece in (b"Studio ", b"Legale ", b"Bianchi"):
        await _send(writer, b"%x\r\n%s\r\n" % (len(piece), piece))
        await asyncio.sleep(0.01)
    await _send(writer, b"0\r\n\r\n")


async def _until_close(request: Request, writer: Writer) -> None:
    """HTTP/1.0 style: no length, no chunks; the body ends when the connection does."""
    await _send(writer, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nStudio ")
    await asyncio.sleep(0.01)
    await _send(writer, b"Legale until close")


async def _early_hints(request: Request, writer: Writer) -> None:
    """An interim 103 before the real answer."""
    writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
    await _ok(request, writer)


async def _json(request: Request, writer: Writer) -> None:
    body = json.dumps(JSON_BODY).encode()
    await _send(writer, _response(200, body, {"Content-Type": "application/json"}))


async def _slow(request: Request, writer: Writer) -> None:
    await asyncio.sleep(0.3)
    await _ok(request, writer)


async def _garbage(request: Request, writer: Writer) -> None:
    await _send(writer, b"SSH-2.0-OpenSSH_9.6\r\n")


async def _silent(request: Request, writer: Writer) -> None:
    """Closes without a byte."""


async def _cut_short(request: Request, writer: Writer) -> None:
    await _send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")


async def _hang(request: Request, writer: Writer) -> None:
    """Answers nothing, until the client gives up and closes."""
    await request.reader.read()


async def _echo(request: Request, writer: Writer) -> None:
    body = json.dumps({"method": request.method, "body": request.body.decode(), "headers": request.headers})
    await _send(writer, _response(200, body.encode(), {"Content-Type": "application/json"}))


async def _auth(request: Request, writer: Writer) -> None:
    token = base64.b64encode(f"{AUTH_USER}:{AUTH_PASSWORD}".encode()).decode()
    allowed = request.headers.get("authorization") == f"Basic {token}"
    await _send(writer, _response(200 if allowed else 401, b"welcome" if allowed else b"who are you?"))


async def _big(request: Request, writer: Writer) -> None:
    body = b"Studio Legale " + b"x" * (BIG_BODY_SIZE - 20) + b"needle"
    writer.write(_response(200, body, {"Content-Type": "text/plain"}))
    try:
        await writer.drain()
    except ConnectionError:
        pass  # the client stops reading at its limit


ROUTES: dict[str, Route] = {
    "/ok": _ok,
    "/redirect": _redirect(302, "/ok"),
    "/redirect-absolute": _redirect_absolute,
    "/redirect-to": _redirect_to,
    "/redirect-loop": _redirect(302, "/redirect-loop"),
    "/redirect-303": _redirect(303, "/echo"),
    "/redirect-307": _redirect(307, "/echo"),
    "/redirect-ftp": _redirect(302, "ftp://files.example/"),
    "/redirect-auth": _redirect(302, "/auth"),
    "/chunked": _chunked,
    "/until-close": _until_close,
    "/json": _json,
    "/early-hints": _early_hints,
    "/slow": _slow,
    "/garbage": _garbage,
    "/silent": _silent,
    "/cut-short": _cut_short,
    "/hang": _hang,
    "/echo": _echo,
    "/auth": _auth,
    "/big": _big,
}


def _route(path: str) -> Route | None:
    if path.startswith("/status/"):
        return _status
    if path.startswith("/chain/"):
        return _chain
    return ROUTES.get(path)


async def _read_request(reader: asyncio.StreamReader) -> Request:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.rstrip("\r\n").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    path, _, query = target.partition("?")
    return Request(method, path, headers, body, reader, unquote(query))


async def _serve(reader: asyncio.StreamReader, writer: Writer) -> None:
    try:
        request = await _read_request(reader)
        route = _route(request.path)
        if route is None:
            await _send(writer, _response(404, b"no such route"))
        else:
            await route(request, writer)
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
        pass
    finally:
        writer.close()


class ServerThread:
    """An event loop in a daemon thread that hosts the test servers until ``stop``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, context: None)  # failed handshakes are the point
        self.servers: list[asyncio.Server] = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def serve(self, context: ssl.SSLContext | None = None) -> int:
        """Start the routes on a free loopback port (TLS with CONTEXT); returns the port."""
        server = self.call(asyncio.start_server(_serve, "127.0.0.1", 0, ssl=context))
        self.servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    def stop(self) -> None:
        self.call(self._shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _shutdown(self) -> None:
        for server in self.servers:
            server.close()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(0.05)  # let closing transports finish


@pytest.fixture(scope="session")
def server_thread() -> Iterator[ServerThread]:
    servers = ServerThread()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def http_server(server_thread: ServerThread) -> str:
    """Base URL of the plain HTTP server: http://127.0.0.1:PORT."""
    return f"http://127.0.0.1:{server_thread.serve()}"


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA(organization_name="Custode Test CA")


@pytest.fixture
def trust_test_ca(test_ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the checks trust the test CA, as an operator with a private CA would (SSL_CERT_FILE)."""
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


def _context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def _https(server_thread: ServerThread, context: ssl.SSLContext) -> str:
    return f"https://localhost:{server_thread.serve(context)}"


@pytest.fixture(scope="session")
def https_server(server_thread: ServerThread, test_ca: trustme.CA) -> str:
    """Base URL with a valid certificate for localhost from the test CA."""
    return _https(server_thread, _context(test_ca.issue_cert("localhost", "127.0.0.1")))


@pytest.fixture(scope="session")
def expiring_server(server_thread: ServerThread, test_ca: trustme.CA) -> str:
    """Valid for 5 more days."""
    not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    return _https(server_thread, _context(test_ca.issue_cert("localhost", not_after=not_after)))


@pytest.fixture(scope="session")
def expired_server(server_thread: ServerThread, test_ca: trustme.CA) -> str:
    """Expired 3 days ago; otherwise valid (right name, trusted CA)."""
    now = dt.datetime.now(dt.UTC)
    cert = test_ca.issue_cert("localhost", not_before=now - dt.timedelta(days=90),
                              not_after=now - dt.timedelta(days=3))
    return _https(server_thread, _context(cert))


@pytest.fixture(scope="session")
def wrong_host_server(server_thread: ServerThread, test_ca: trustme.CA) -> str:
    return _https(server_thread, _context(test_ca.issue_cert("www.studio-bianchi.example")))


@pytest.fixture(scope="session")
def untrusted_server(server_thread: ServerThread) -> str:
    """Issued by a CA that nobody trusts."""
    return _https(server_thread, _context(trustme.CA(organization_name="Stranger CA").issue_cert("localhost")))


@pytest.fixture(scope="session")
def self_signed_server(server_thread: ServerThread, tmp_path_factory: pytest.TempPathFactory) -> str:
    cert_file, key_file = _self_signed("localhost", tmp_path_factory.mktemp("self-signed"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return _https(server_thread, context)


def _self_signed(host: str, folder: Path) -> tuple[Path, Path]:
    """A certificate for HOST signed by its own key, as a device's factory default would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def refused_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
