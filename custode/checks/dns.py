"""DNS check: ``record`` of ``name`` resolves, and when ``expect`` is given, to exactly those values.

Asks ``resolver`` (an address, or a name resolved first) on port 53, or the system's resolvers from
/etc/resolv.conf, read afresh on every check so a changed file is followed. CNAMEs are followed for
the other record types, as any client would.

``expect`` compares as a set: order and duplicates do not matter, every value must be there and
nothing else. Values are written as in a zone file, with these normalisations:

    A, AAAA     any spelling of the address: "2001:db8::1" equals "2001:0db8:0:0:0:0:0:1"
    CNAME, NS   the name, case and a trailing dot ignored: "ns1.example.com" equals "NS1.example.com."
    MX          "PREFERENCE EXCHANGE": "10 mail.example.com" (the preference is part of the value, as
                it decides where mail goes; the exchange is compared as a name)
    TXT         the text exactly, its character-strings joined: "v=spf1 -all"

DOWN reasons: "DNS: NXDOMAIN for mirador.example", "DNS: no A record for x",
"DNS: A is 198.51.100.1, expected 203.0.113.10", "DNS: SERVFAIL" (any other rcode by its name),
"DNS: resolver 127.0.0.1 did not answer (timed out after 5s)", "DNS: cannot resolve resolver 'x'".
Details: values (as compared), resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Coroutine
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.resolver

from custode.checks import source
from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.lib import durations
from custode.monitors.specs import DnsSpec

_EXCERPT = 60


class _Failed(Exception):
    """The lookup failed in a way ``str()`` already says."""


async def check(spec: DnsSpec, *, port: int = 53) -> Result:
    """PORT is for tests (a resolver on a free loopback port); the engine always uses 53."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            resolver = await _resolver(spec, port)
            values = await _sheltered(_lookup(resolver, spec))
    except _Failed as e:
        return Result.down(str(e))
    except TimeoutError:
        return Result.down(_silent(spec))
    except OSError as e:
        return Result.down(f"DNS: {reason_for(e, host=spec.resolver, timeout=spec.timeout)}")
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    details = {"values": sorted(values), "resolver": spec.resolver or "system"}
    expected = {_normal(value, spec.record) for value in spec.expect}
    if expected and expected != values:
        return Result.down(f"DNS: {spec.record} is {_show(values, spec.record)}, "
                           f"expected {_show(expected, spec.record)}", latency_ms, **details)
    return Result.up(latency_ms, **details)


async def _sheltered(lookup: Coroutine[Any, Any, set[str]]) -> set[str]:
    """LOOKUP in a task of its own, which the check's deadline (or the engine's) does not cancel.

    uvloop leaves the UDP socket open when ``create_datagram_endpoint`` is cancelled, which is where
    dnspython's query starts; left alone, the query ends by its own ``lifetime`` (the spec's timeout)
    and closes its socket, soon after a cancelled check has returned.
    """
    task = asyncio.ensure_future(lookup)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[set[str]]) -> None:
    """Mark the failure of a query nobody waits for any more as seen."""
    if not task.cancelled():
        task.exception()


async def _resolver(spec: DnsSpec, port: int) -> dns.asyncresolver.Resolver:
    if spec.resolver is None:
        try:
            return dns.asyncresolver.Resolver()
        except (dns.resolver.NoResolverConfiguration, OSError):
            raise _Failed("DNS: no resolver configured (no nameserver in /etc/resolv.conf)") from None
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [await _address(spec.resolver)]
    resolver.port = port
    return resolver


async def _address(host: str) -> str:
    """HOST as an IP address, looked up when it is a name (resolvers are named by address)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, 53, type=socket.SOCK_DGRAM)
    except OSError:
        raise _Failed(f"DNS: cannot resolve resolver {host!r}") from None
    return str(found[0][4][0])


async def _lookup(resolver: dns.asyncresolver.Resolver, spec: DnsSpec) -> set[str]:
    try:
        answer = await resolver.resolve(spec.name, spec.record, lifetime=spec.timeout, search=False,
                                        source=source.address.get())
    except dns.resolver.NXDOMAIN:
        raise _Failed(f"DNS: NXDOMAIN for {spec.name}") from None
    except dns.resolver.NoAnswer:
        raise _Failed(f"DNS: no {spec.record} record for {spec.name}") from None
    except dns.resolver.NoNameservers as e:
        raise _Failed(_refusal(e, spec)) from None
    except dns.exception.Timeout:
        raise _Failed(_silent(spec)) from None
    except dns.exception.DNSException as e:
        raise _Failed(f"DNS: {e}") from None
    return {_text(rdata, spec.record) for rdata in answer}


def _refusal(error: dns.resolver.NoNameservers, spec: DnsSpec) -> str:
    """What the resolvers said, from the first one that said anything: "DNS: SERVFAIL"."""
    errors: list[tuple[Any, ...]] = error.kwargs.get("errors") or []
    for _server, _tcp, _port, _problem, response in errors:
        if response is not None:
            return f"DNS: {dns.rcode.to_text(response.rcode())}"
    for server, _tcp, _port, problem, _response in errors:
        if isinstance(problem, BaseException):
            return f"DNS: resolver {server} failed: {reason_for(problem, timeout=spec.timeout)}"
    return "DNS: no resolver answered"


def _silent(spec: DnsSpec) -> str:
    who = f"resolver {spec.resolver}" if spec.resolver else "the system resolver"
    return f"DNS: {who} did not answer (timed out after {durations.format(spec.timeout)})"


def _text(rdata: dns.rdata.Rdata, record: str) -> str:
    """One answer value in the form ``expect`` is written in (see the module docstring)."""
    if record == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if record == "MX":
        return f"{rdata.preference} {_name(rdata.exchange.to_text())}"  # type: ignore[attr-defined]
    if record in ("CNAME", "NS"):
        return _name(rdata.target.to_text())  # type: ignore[attr-defined]
    return _normal(rdata.address, record)  # type: ignore[attr-defined]


def _normal(value: str, record: str) -> str:
    """An expected VALUE spelled as ``_text`` spells answers, so that equal means equal."""
    value = value.strip()
    if record in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if record in ("CNAME", "NS"):
        return _name(value)
    if record == "MX":
        preference, _, exchange = value.partition(" ")
        return f"{int(preference)} {_name(exchange.strip())}" if preference.isdigit() and exchange else value
    return value


def _name(text: str) -> str:
    try:
        return str(dns.name.from_text(text).to_text(omit_final_dot=True)).lower()
    except dns.exception.DNSException:
        return text.rstrip(".").lower()


def _show(values: set[str], record: str) -> str:
    """VALUES for a reason: sorted, joined by "and", TXT quoted, each cut to a readable length."""
    shown = [value if len(value) <= _EXCERPT else value[:_EXCERPT] + "…" for value in sorted(values)]
    if record == "TXT":
        shown = [f'"{value}"' for value in shown]
    return " and ".join(shown)
