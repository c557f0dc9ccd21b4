"""Ping check: ICMP echo; UP with the average round trip as latency.

Up to three echoes, 0.2 s apart, each waiting its share of ``spec.timeout``, so that one lost packet
does not make a host DOWN and the whole check still ends inside its deadline. One reply is enough.

The echoes go through ``custode.checks.pinger``: one ICMP socket per event loop and address family,
shared by all the pings in flight, like a connection pool. A socket per ping (what icmplib's
``async_ping`` opens) does not survive the engine's hundreds of checks at once when the socket is raw:
every raw socket receives every echo reply of the host, and their buffers overflow with each other's
replies (300 loopback pings at once lost 2 of every 3 echoes; 1,000 with one echo each made some hosts
DOWN). The check itself stays a function from its spec to a result; the socket is the pinger's.

Which socket: an unprivileged ICMP datagram socket when net.ipv4.ping_group_range allows our group,
else a raw socket (root or CAP_NET_RAW). The datagram socket is preferred even for root, as the kernel
hands it only its own replies. When neither is allowed the check does not crash; it is DOWN with
``NOT_PERMITTED``, and ``ping_available()`` lets the engine say so once at startup.

DOWN reasons: "no reply to ping from 203.0.113.1", "no reply to ping from host.example (192.0.2.7)",
"DNS: cannot resolve 'x'", ``NOT_PERMITTED``, "timed out after 10s" (when resolving ate the time).
Details: address, sent, received.
"""

from __future__ import annotations

import asyncio
import ipaddress

from icmplib import ICMPLibError, NameLookupError, async_resolve

from custode.checks import pinger
from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.monitors.specs import PingSpec

NOT_PERMITTED = "ping not permitted: run as root or allow ICMP sockets (sysctl net.ipv4.ping_group_range)"
_COUNT, _INTERVAL = 3, 0.2


def ping_available() -> str | None:
    """None when this process may send pings, else the reason it may not (``NOT_PERMITTED``)."""
    try:
        sock, _raw = pinger.open_socket()
    except OSError:
        return NOT_PERMITTED
    sock.close()
    return None


async def check(spec: PingSpec) -> Result:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.timeout
    try:
        async with asyncio.timeout_at(deadline):
            address = await _resolve(spec.host)
            count, wait = _plan(deadline - loop.time())
            sent, rtts = await pinger.ping(address, count=count, interval=_INTERVAL, timeout=wait)
    except NameLookupError:
        return Result.down(f"DNS: cannot resolve {spec.host!r}")
    except (ICMPLibError, OSError, TimeoutError) as e:
        return Result.down(_reason(e, spec))
    details = {"address": address, "sent": sent, "received": len(rtts)}
    if not rtts:
        named = spec.host if address == spec.host else f"{spec.host} ({address})"
        return Result.down(f"no reply to ping from {named}", **details)
    return Result.up(round(sum(rtts) / len(rtts), 1), **details)


async def _resolve(host: str) -> str:
    """HOST itself when it is an address, else its first address (IPv4 first, as icmplib prefers)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    addresses: list[str] = await async_resolve(host)
    return addresses[0]


def _plan(seconds: float) -> tuple[int, float]:
    """How many echoes and how long to wait for each, all within SECONDS (with 10% to spare)."""
    if seconds < 1.5:
        return 1, max(seconds * 0.9, 0.05)
    return _COUNT, (seconds - _INTERVAL * (_COUNT - 1)) / _COUNT * 0.9


def _reason(exc: BaseException, spec: PingSpec) -> str:
    if isinstance(exc, PermissionError):
        return NOT_PERMITTED  # the pinger may open neither kind of ICMP socket
    if isinstance(exc, ICMPLibError):
        return f"ping failed: {exc}"
    return reason_for(exc, host=spec.host, timeout=spec.timeout)
