"""Real peers on loopback for the tcp, smtp, ping and dns check tests.

- TCP: one asyncio loop in a daemon thread hosts small servers that each behave one way: an SSH-like
  banner, a PING/+PONG line protocol, an HTTP server's 400 on the wrong port, binary noise, a server that hangs up at
  once, one that accepts and stays silent, an SMTP server that refuses with 554; plus a port nobody
  listens on and one whose accept queue is full, so that connecting itself times out.
- SMTP: aiosmtpd servers, plain and with STARTTLS (a trustme certificate for 127.0.0.1).
- DNS: a dnslib server answering for the zone ``custode.test`` (``ZONE``), NXDOMAIN for other names and
  SERVFAIL for ``broken.custode.test``; plus a UDP port where a socket is bound but never answers.

Use: import the fixtures by name in a test module (``from custode.checks.tests.servers_net import ...``).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

__all__ = [
    "BINARY_REPLY", "SSH_BANNER", "ZONE", "NetPeers", "backlog_full_port", "dns_server", "net_peers", "refused_port",
    "run", "silent_dns_port", "smtp_ca", "smtp_server", "smtp_starttls_server", "trust_smtp_ca",
]

T = TypeVar("T")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

SSH_BANNER = b"SSH-2.0-OpenSSH_9.6 custode-test\r\n"
HTTP_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BINARY_REPLY = b"\x15\x03\x01\x00\x02\x02\x46" + b"x" * 100  # a TLS alert, then noise
SMTP_554 = b"554 5.3.2 mx.custode.test has no SMTP service for you\r\n"

ZONE = """
www.custode.test.       60 IN A     203.0.113.10
www.custode.test.       60 IN AAAA  2001:db8::10
two.custode.test.       60 IN A     198.51.100.1
two.custode.test.       60 IN A     198.51.100.2
alias.custode.test.     60 IN CNAME www.custode.test.
custode.test.           60 IN MX    10 mail.custode.test.
custode.test.           60 IN MX    20 backup-mx.custode.test.
custode.test.           60 IN NS    ns1.custode.test.
custode.test.           60 IN NS    ns2.custode.test.
custode.test.           60 IN TXT   "v=spf1 mx -all"
dkim.custode.test.      60 IN TXT   "v=DKIM1; k=rsa; " "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"
mail.custode.test.      60 IN A     203.0.113.25
"""
SERVFAIL_NAME = "broken.custode.test."


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run an async check from a sync test (no pytest-asyncio here)."""
    return asyncio.run(coro)


# --- TCP peers ---------------------------------------------------------------------------------------

async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Wait for the client to hang up (or 30 s, so a broken test cannot keep a handler forever)."""
    try:
        async with asyncio.timeout(30):
            while await reader.read(4096):
                pass
    except (OSError, TimeoutError):
        pass


async def _ssh(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(SSH_BANNER)
    await _until_closed(reader)


async def _pong(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while line := await reader.readline():
        writer.write(b"+PONG\r\n" if line.strip() == b"PING" else b"-ERR unknown command\r\n")


async def _http_400(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(HTTP_400)


async def _binary(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(BINARY_REPLY)
    await _until_closed(reader)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    pass


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _until_closed(reader)


async def _smtp_554(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(SMTP_554)
    await _until_closed(reader)


def _closing(handler: Handler) -> Handler:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
            await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass  # the client went away, or the test session is over: either way this peer is done
        finally:
            writer.close()
    return serve


class NetPeers:
    """An event loop in a daemon thread hosting one TCP server per behaviour; ``port[name]``."""

    HANDLERS: dict[str, Handler] = {
        "ssh": _ssh, "pong": _pong, "http_400": _http_400, "binary": _binary, "hang_up": _hang_up, "silent": _silent,
        "smtp_554": _smtp_554,
    }

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.servers = [self._call(asyncio.start_server(_closing(handler), "127.0.0.1", 0))
                        for handler in self.HANDLERS.values()]
        self.port = {name: server.sockets[0].getsockname()[1] for name, server in zip(self.HANDLERS, self.servers)}

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        self._call(self._shutdown())
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


@pytest.fixture(scope="session")
def net_peers() -> Iterator[NetPeers]:
    peers = NetPeers()
    yield peers
    peers.stop()


@pytest.fixture
def refused_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def backlog_full_port() -> Iterator[int]:
    """A port whose accept queue is full: Linux drops further SYNs, so connecting hangs until the deadline."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    try:
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# --- SMTP servers ------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _smtp(**parameters: Any) -> Iterator[int]:
    controller = Controller(Sink(), hostname="127.0.0.1", port=_free_port(), ready_timeout=10,
                            server_hostname="mx.custode.test", ident="ESMTP custode-test", **parameters)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def smtp_ca() -> trustme.CA:
    return trustme.CA(organization_name="Custode SMTP Test CA")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[int]:
    """Port of an SMTP server without STARTTLS."""
    yield from _smtp()


@pytest.fixture(scope="session")
def smtp_starttls_server(smtp_ca: trustme.CA) -> Iterator[int]:
    """Port of an SMTP server offering STARTTLS with a certificate for 127.0.0.1 from ``smtp_ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    smtp_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    yield from _smtp(tls_context=context)


@pytest.fixture
def trust_smtp_ca(smtp_ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust ``smtp_ca`` as an operator with a private CA would: SSL_CERT_FILE."""
    bundle = tmp_path / "smtp-ca.pem"
    smtp_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


# --- DNS servers -------------------------------------------------------------------------------------

class ZoneResolver(BaseResolver):  # type: ignore[misc]
    """Answers from ``ZONE`` as an authoritative server would, following CNAMEs inside it."""

    def __init__(self, zone: str) -> None:
        self.records = RR.fromZone(zone)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        name, qtype = request.q.qname, request.q.qtype
        if str(name) == SERVFAIL_NAME:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        answers = self._find(name, qtype)
        if not answers and qtype != QTYPE.CNAME:
            for alias in self._find(name, QTYPE.CNAME):
                answers += [alias, *self._find(alias.rdata.label, qtype)]
        for record in answers:
            reply.add_answer(record)
        if not answers and not any(record.rname == name for record in self.records):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply

    def _find(self, name: Any, qtype: int) -> list[RR]:
        return [record for record in self.records if record.rname == name and record.rtype == qtype]


@pytest.fixture(scope="session")
def dns_server() -> Iterator[int]:
    """UDP port of the test zone's DNS server on 127.0.0.1."""
    server = DNSServer(ZoneResolver(ZONE), address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    try:
        yield server.server.server_address[1]
    finally:
        server.stop()
        server.server.server_close()
        server.thread.join(10)


@pytest.fixture
def silent_dns_port() -> Iterator[int]:
    """A UDP port on 127.0.0.1 where a socket is bound but nobody reads: queries go unanswered."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]
