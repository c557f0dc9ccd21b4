"""``custode engine --source-address``: the checks that honour it connect from that local address."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import pytest

from custode.checks import http, source, tcp, tls
from custode.checks.result import Status
from custode.monitors.specs import HttpSpec, TcpSpec, TlsSpec
from custode.server.tests.processes import custode_env, migrate, running
from custode.testing.asgi_server import free_port

FROM = "127.0.0.2"


@contextlib.contextmanager
def listener():
    """A loopback port that notes the address each connection came from, and answers HTTP 200."""
    peers: list[str] = []
    server = socket.create_server(("127.0.0.1", free_port()))

    def serve() -> None:
        while True:
            try:
                conn, (address, _) = server.accept()
            except OSError:
                return
            peers.append(address)
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1], peers
    finally:
        server.close()


def accepted(peers: list[str], count: int) -> list[str]:
    """The peers once ``count`` connections were accepted: a TCP check is UP at connect, before the accept."""
    deadline = time.monotonic() + 5
    while len(peers) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return peers


async def from_source(check, spec):
    source.address.set(FROM)
    return await check(spec)


def test_http_and_tcp_checks_connect_from_the_source_address():
    with listener() as (port, peers):
        spec = HttpSpec.model_validate({"id": "site", "type": "http", "url": f"http://127.0.0.1:{port}/"})
        assert asyncio.run(from_source(http.check, spec)).status == Status.UP
        spec = TcpSpec.model_validate({"id": "port", "type": "tcp", "host": "127.0.0.1", "port": port})
        assert asyncio.run(from_source(tcp.check, spec)).status == Status.UP
        assert asyncio.run(tcp.check(spec)).status == Status.UP  # no source given: the system's choice
        assert accepted(peers, 3) == [FROM, FROM, "127.0.0.1"]


def test_a_tls_check_connects_from_the_source_address():
    with listener() as (port, peers):
        spec = TlsSpec.model_validate({"id": "cert", "type": "tls", "host": "127.0.0.1", "port": port})
        asyncio.run(from_source(tls.check, spec))  # not a TLS server: down, but it did connect
        assert accepted(peers, 1) == [FROM]


@pytest.mark.parametrize(("given", "said"), [
    ("somewhere", "must be an IP address, like 192.0.2.10"),
    ("192.0.2.10", "is not an address of this machine"),
])
def test_a_source_address_that_cannot_be_used_is_refused_at_start_naming_it(tmp_path, given, said):
    env = custode_env(tmp_path)
    migrate(env)
    with running("engine", "--source-address", given, env=env) as engine:
        assert engine.proc.wait(60) == 1
        engine.wait_for(rf"--source-address '{given}': {said}", timeout=5)
