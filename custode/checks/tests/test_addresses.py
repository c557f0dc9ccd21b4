"""The process's cache of host addresses, against a real DNS server on loopback (dnslib) whose names
the test adds and removes, and the HTTP client connecting through it to a real server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import dns.asyncresolver
import dns.resolver
import pytest
from dnslib import QTYPE, RCODE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

from custode.checks import addresses, http, httpclient
from custode.checks.addresses import Address, AddressCache
from custode.checks.errors import reason_for
from custode.checks.result import Status
from custode.checks.tests.servers_http import *  # noqa: F403 (fixtures)
from custode.checks.tests.servers_http import run
from custode.monitors.specs import HttpSpec

NAME = "site.custode.test"


class Names(BaseResolver):  # type: ignore[misc]
    """A DNS server's zone that a test edits: NAMES maps a name to its A address; counts queries."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.queries = 0

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        self.queries += 1
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        if name in self.names and request.q.qtype == QTYPE.A:
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(self.names[name]), ttl=60))
        elif name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class Dns:
    def __init__(self, zone: Names, port: int) -> None:
        self.zone, self.port = zone, port

    async def lookup(self, host: str, port: int) -> list[Address]:
        """What getaddrinfo would answer, asked of this server."""
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], self.port
        try:
            answer = await resolver.resolve(host, "A", lifetime=2, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return [(socket.AF_INET, rdata.address) for rdata in answer]


@pytest.fixture
def dns_names() -> Iterator[Dns]:
    names = Names()
    server = DNSServer(names, address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    try:
        yield Dns(names, server.server.server_address[1])
    finally:
        server.stop()
        server.server.server_close()
        server.thread.join(10)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def url_by_name(http_server: str, path: str = "/ok") -> str:
    return f"http://{NAME}:{http_server.rsplit(':', 1)[1]}{path}"


def status(url: str, cache: AddressCache) -> int | str:
    """The status code of a GET of URL, or the check's reason when the request failed."""
    async def get() -> Any:
        try:
            return (await httpclient.request("GET", url, resolver=cache)).status
        except httpclient.TransportError as e:
            return reason_for(e.error, host=e.host)
    return run(get())


def test_a_hundred_concurrent_requests_to_one_name_ask_the_dns_server_once(http_server: str, dns_names: Dns) -> None:
    dns_names.zone.names[NAME] = "127.0.0.1"
    cache = AddressCache(dns_names.lookup)

    async def hundred() -> list[int]:
        responses = await asyncio.gather(*(httpclient.request("GET", url_by_name(http_server), resolver=cache)
                                           for _ in range(100)))
        return [response.status for response in responses]

    assert run(hundred()) == [200] * 100
    assert dns_names.zone.queries == 1


def test_a_name_that_stops_resolving_fails_once_its_answer_expires(http_server: str, dns_names: Dns) -> None:
    dns_names.zone.names[NAME] = "127.0.0.1"
    clock = Clock()
    cache = AddressCache(dns_names.lookup, clock=clock)
    assert status(url_by_name(http_server), cache) == 200
    del dns_names.zone.names[NAME]
    clock.now += addresses.POSITIVE_TTL - 1
    assert status(url_by_name(http_server), cache) == 200  # the answer is still fresh
    clock.now += 2
    assert status(url_by_name(http_server), cache) == f"DNS: cannot resolve {NAME!r}"


def test_a_name_that_resolves_again_is_reached_once_the_failure_expires(http_server: str, dns_names: Dns) -> None:
    clock = Clock()
    cache = AddressCache(dns_names.lookup, clock=clock)
    assert status(url_by_name(http_server), cache) == f"DNS: cannot resolve {NAME!r}"
    dns_names.zone.names[NAME] = "127.0.0.1"
    clock.now += addresses.NEGATIVE_TTL - 1
    assert status(url_by_name(http_server), cache) == f"DNS: cannot resolve {NAME!r}"
    assert dns_names.zone.queries == 1
    clock.now += 2
    assert status(url_by_name(http_server), cache) == 200


def test_an_ip_address_is_never_looked_up(http_server: str, dns_names: Dns) -> None:
    cache = AddressCache(dns_names.lookup)
    assert status(f"{http_server}/ok", cache) == 200
    assert dns_names.zone.queries == 0


def test_the_cache_keeps_at_most_its_bound_dropping_the_oldest_answer() -> None:
    asked: list[str] = []

    async def lookup(host: str, port: int) -> list[Address]:
        asked.append(host)
        return [(socket.AF_INET, "127.0.0.1")]

    cache = AddressCache(lookup, max_entries=3)

    async def resolve_all(*hosts: str) -> None:
        for host in hosts:
            await cache.resolve(host, 80)

    run(resolve_all("a.test", "b.test", "c.test", "d.test", "b.test", "a.test"))
    assert asked == ["a.test", "b.test", "c.test", "d.test", "a.test"]


def test_a_request_cancelled_while_its_name_is_looked_up_leaves_the_answer_to_the_others(
        http_server: str, dns_names: Dns) -> None:
    dns_names.zone.names[NAME] = "127.0.0.1"
    cache = AddressCache(dns_names.lookup)

    async def scenario() -> int:
        first = asyncio.ensure_future(cache.resolve(NAME, 80))
        second = asyncio.ensure_future(cache.resolve(NAME, 80))
        await asyncio.sleep(0)
        first.cancel()
        assert await second == [(socket.AF_INET, "127.0.0.1")]
        return dns_names.zone.queries

    assert run(scenario()) == 1


def test_an_http_check_of_a_name_connects_through_the_shared_cache(http_server: str) -> None:
    port = int(http_server.rsplit(":", 1)[1])
    spec = HttpSpec.model_validate({"id": "site", "type": "http", "url": f"http://localhost:{port}/ok"})
    result = run(http.check(spec))
    assert result.status == Status.UP, result.reason
    assert ("localhost", port) in addresses.shared._entries  # noqa: SLF001
