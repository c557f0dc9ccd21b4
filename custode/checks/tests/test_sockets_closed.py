"""A failing check leaves no socket behind: the engine runs thousands, so one leaked per check is an fd leak.

Each case runs 50 checks of one type at once against a peer on loopback that refuses, stays silent,
talks nonsense, or stalls a TLS handshake; some are cut short by the engine's deadline (the task is
cancelled mid-connect or mid-handshake). After the event loop has ended the process must hold no more
file descriptors than before, and a garbage collection must find no unclosed socket or transport.
Both event loops run: the tests' asyncio one and uvloop, the engine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import os
import socket
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvloop

from custode.checks import dns, http, mysql, postgres, redis, smtp, tcp, tls
from custode.checks.result import Result, Status
from custode.checks.tests.databases import refused_port
from custode.checks.tests.servers_net import backlog_full_port  # noqa: F401 (fixture)
from custode.monitors.specs import (
    DnsSpec, HttpSpec, MysqlSpec, PostgresSpec, RedisSpec, SmtpSpec, TcpSpec, TlsSpec,
)
from custode.testing.services import port_open

CHECKS = 50
NOISE = b"\x15\x03\x01\x00\x02\x02\x46" + b"\x00garbage\r\n" * 20  # a TLS alert, then noise
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}

Check = Callable[[int], Awaitable[Result]]


def _http(port: int) -> Awaitable[Result]:
    return http.check(HttpSpec.model_validate({"id": "c", "type": "http", "url": f"http://127.0.0.1:{port}/",
                                               "timeout": "0.3s"}))


def _https(port: int) -> Awaitable[Result]:
    return http.check(HttpSpec.model_validate({"id": "c", "type": "http", "url": f"https://127.0.0.1:{port}/",
                                               "timeout": "0.3s"}))


def _tcp(port: int) -> Awaitable[Result]:
    return tcp.check(TcpSpec.model_validate({"id": "c", "type": "tcp", "host": "127.0.0.1", "port": port,
                                             "send": "HELLO\r\n", "expect": "SSH-", "timeout": "0.3s"}))


def _tls(port: int) -> Awaitable[Result]:
    return tls.check(TlsSpec.model_validate({"id": "c", "type": "tls", "host": "127.0.0.1", "port": port,
                                             "timeout": "0.3s"}))


def _smtp(port: int) -> Awaitable[Result]:
    return smtp.check(SmtpSpec.model_validate({"id": "c", "type": "smtp", "host": "127.0.0.1", "port": port,
                                               "timeout": "0.3s"}))


def _smtp_starttls(port: int) -> Awaitable[Result]:
    return smtp.check(SmtpSpec.model_validate({"id": "c", "type": "smtp", "host": "127.0.0.1", "port": port,
                                               "starttls": True, "timeout": "0.3s"}))


def _redis(port: int, **fields: Any) -> Awaitable[Result]:
    return redis.check(RedisSpec.model_validate({"id": "c", "type": "redis", "host": "127.0.0.1", "port": port,
                                                 "timeout": "0.3s", **fields}))


def _redis_tls(port: int) -> Awaitable[Result]:
    return _redis(port, tls=True)


def _mysql(port: int, **fields: Any) -> Awaitable[Result]:
    return mysql.check(MysqlSpec.model_validate({"id": "c", "type": "mysql", "host": "127.0.0.1", "port": port,
                                                 "timeout": "0.3s", **fields}))


def _postgres(port: int, **fields: Any) -> Awaitable[Result]:
    return postgres.check(PostgresSpec.model_validate({"id": "c", "type": "postgres", "host": "127.0.0.1",
                                                       "port": port, "timeout": "0.3s", **fields}))


def _dns(port: int) -> Awaitable[Result]:
    return dns.check(DnsSpec.model_validate({"id": "c", "type": "dns", "name": "www.custode.test",
                                             "resolver": "127.0.0.1", "timeout": "0.3s"}), port=port)


TCP_CHECKS: dict[str, Check] = {
    "http": _http, "https": _https, "tcp": _tcp, "tls": _tls, "smtp": _smtp, "redis": _redis,
    "redis_tls": _redis_tls, "mysql": _mysql, "postgres": _postgres,
}


# --- Peers on loopback, in the checks' own loop ---------------------------------------------------

class _Peer:
    """A TCP server with one behaviour; aborts every connection it accepted when it stops."""

    def __init__(self, behaviour: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> None:
        self.behaviour = behaviour
        self.writers: list[asyncio.StreamWriter] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        with contextlib.suppress(OSError):
            await self.behaviour(reader, writer)
            while await reader.read(4096):
                pass


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    pass


async def _noise(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(NOISE)


async def _smtp_without_starttls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _smtp_dialogue(reader, writer, offer_starttls=False)


async def _smtp_starttls_then_silence(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _smtp_dialogue(reader, writer, offer_starttls=True)


async def _smtp_starttls_then_noise(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _smtp_dialogue(reader, writer, offer_starttls=True)
    writer.write(NOISE)


async def _smtp_dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, offer_starttls: bool) -> None:
    """Banner, EHLO, QUIT; with OFFER_STARTTLS it agrees to STARTTLS and returns (the caller plays TLS)."""
    writer.write(b"220 mx.custode.test ESMTP\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-mx.custode.test\r\n" + (b"250-STARTTLS\r\n" if offer_starttls else b"") + b"250 8BITMIME\r\n")
        elif verb == b"STAR":
            writer.write(b"220 ready to start TLS\r\n")
            return
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            writer.close()
            return
        else:
            writer.write(b"502 no\r\n")


@contextlib.asynccontextmanager
async def _listening(behaviour: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                     ) -> AsyncIterator[int]:
    peer = _Peer(behaviour)
    server = await asyncio.start_server(peer.serve, "127.0.0.1", 0, backlog=CHECKS * 2)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await asyncio.sleep(0.05)  # connections accepted just now reach ``serve``
        for writer in peer.writers:
            writer.transport.abort()
        await asyncio.sleep(0.05)  # the aborted transports close their sockets on the next iterations


# --- The measure -------------------------------------------------------------------------------------

def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _attempts(check: Check, port: int, cancel_after: float | None) -> list[Result | None]:
    """CHECKS checks at once; with CANCEL_AFTER each is cancelled then, as the engine's deadline does."""
    async def one() -> Result | None:
        if cancel_after is None:
            return await check(port)
        try:
            return await asyncio.wait_for(check(port), cancel_after)
        except TimeoutError:
            return None
    return await asyncio.gather(*(one() for _ in range(CHECKS)))


@functools.cache
def _warm(loop: str) -> None:
    """Run each check once on LOOP first: what a loop or a library opens for the whole process on first
    use (libuv's thread pool, a resolver's files) is no leak."""
    async def once() -> None:
        port = refused_port()
        await asyncio.gather(*(check(port) for check in TCP_CHECKS.values()), _dns(port))
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        runner.run(once())


def assert_no_socket_left(loop: str, scenario: Callable[[], Awaitable[list[Result | None]]]) -> list[Result | None]:
    _warm(loop)
    gc.collect()
    before = _open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
            results = runner.run(scenario())
        left_open = _open_fds() - before
        gc.collect()
    unclosed = [str(w.message)[:300] for w in caught if issubclass(w.category, ResourceWarning)]
    assert (left_open, sorted(set(unclosed))[:6], len(unclosed)) == (0, [], 0)
    assert all(result is None or result.status == Status.DOWN for result in results), results[:3]
    return results


# --- The cases ---------------------------------------------------------------------------------------

BEHAVIOURS = {"silent": _silent, "noise": _noise}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("kind", TCP_CHECKS)
def test_checks_against_a_refused_port_leave_no_socket_open(kind: str, loop: str) -> None:
    port = refused_port()
    assert_no_socket_left(loop, lambda: _attempts(TCP_CHECKS[kind], port, None))


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
@pytest.mark.parametrize("kind", TCP_CHECKS)
def test_checks_against_a_silent_or_nonsense_peer_leave_no_socket_open(kind: str, behaviour: str, loop: str) -> None:
    async def scenario() -> list[Result | None]:
        async with _listening(BEHAVIOURS[behaviour]) as port:
            return await _attempts(TCP_CHECKS[kind], port, None)
    assert_no_socket_left(loop, scenario)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("cancel_after", [0.001, 0.1])
@pytest.mark.parametrize("kind", TCP_CHECKS)
def test_checks_cancelled_by_the_deadline_mid_exchange_leave_no_socket_open(kind: str, cancel_after: float,
                                                                            loop: str) -> None:
    """Cancelled while connecting, in the TLS handshake or waiting for an answer that never comes."""
    async def scenario() -> list[Result | None]:
        async with _listening(_silent) as port:
            return await _attempts(TCP_CHECKS[kind], port, cancel_after)
    assert_no_socket_left(loop, scenario)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("kind", TCP_CHECKS)
def test_checks_cancelled_while_the_tcp_connect_hangs_leave_no_socket_open(kind: str, loop: str,
                                                                          backlog_full_port: int) -> None:
    assert_no_socket_left(loop, lambda: _attempts(TCP_CHECKS[kind], backlog_full_port, 0.1))


SMTP_PEERS = {
    "starttls_not_offered": _smtp_without_starttls,
    "tls_handshake_silent": _smtp_starttls_then_silence,
    "tls_handshake_noise": _smtp_starttls_then_noise,
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("cancel_after", [None, 0.01, 0.2])
@pytest.mark.parametrize("peer", SMTP_PEERS)
def test_smtp_checks_failing_at_starttls_leave_no_socket_open(peer: str, cancel_after: float | None,
                                                              loop: str) -> None:
    async def scenario() -> list[Result | None]:
        async with _listening(SMTP_PEERS[peer]) as port:
            return await _attempts(_smtp_starttls, port, cancel_after)
    assert_no_socket_left(loop, scenario)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("cancel_after", [None, 0.001, 0.1])
def test_dns_checks_against_a_silent_or_refusing_resolver_leave_no_socket_open(cancel_after: float | None,
                                                                               loop: str) -> None:
    """A cancelled check returns at once; its query goes on until its own lifetime (the timeout) ends."""
    async def scenario(port: int) -> list[Result | None]:
        results = await _attempts(_dns, port, cancel_after)
        await asyncio.sleep(0.5)
        return results

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        assert_no_socket_left(loop, lambda: scenario(silent.getsockname()[1]))
    assert_no_socket_left(loop, lambda: scenario(refused_port()))


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize(("kind", "port", "fields"), [
    ("redis", 6379, {"user": "custode_nobody", "password_env": "CUSTODE_TEST_LEAK_PW"}),
    ("mysql", 3306, {"user": "custode_nobody", "password_env": "CUSTODE_TEST_LEAK_PW"}),
    ("postgres", 5432, {"user": "custode_nobody", "password_env": "CUSTODE_TEST_LEAK_PW"}),
])
def test_checks_refused_a_login_leave_no_socket_open(kind: str, port: int, fields: dict[str, Any], loop: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if not port_open("127.0.0.1", port):
        pytest.skip(f"no {kind} server on 127.0.0.1:{port}")
    monkeypatch.setenv("CUSTODE_TEST_LEAK_PW", "not-the-password")
    check: Callable[..., Awaitable[Result]] = {"redis": _redis, "mysql": _mysql, "postgres": _postgres}[kind]
    assert_no_socket_left(loop, lambda: _attempts(lambda p: check(p, **fields, timeout="5s"), port, None))
