"""Ping check: ICMP echo with icmplib; UP with the average round trip as latency.

Up to three echoes, 0.2 s apart, each waiting its share of ``spec.timeout``, so that one lost packet
does not make a host DOWN and the whole check still ends inside its deadline. One reply is enough.

Which socket: an unprivileged ICMP datagram socket when net.ipv4.ping_group_range allows our group,
else a raw socket (root or CAP_NET_RAW). The datagram socket is preferred even for root: the kernel
hands it only its own replies, while every raw socket receives every ICMP packet of the host, which
adds up when many pings run at once. When neither is allowed the check does not crash; it is DOWN
with ``NOT_PERMITTED``, and ``ping_available()`` lets the engine say so once at startup.

DOWN reasons: "no reply to ping from 203.0.113.1", "no reply to ping from host.example (192.0.2.7)",
"DNS: cannot resolve 'x'", ``NOT_PERMITTED``, "timed out after 10s" (when resolving ate the time).
Details: address, sent, received.
"""

from __future__ import annotations

import asyncio
import ipaddress

from icmplib import ICMPLibError, ICMPv4Socket, NameLookupError, SocketPermissionError, async_ping, async_resolve

from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.monitors.specs import PingSpec

NOT_PERMITTED = "ping not permitted: run as root or allow ICMP sockets (sysctl net.ipv4.ping_group_range)"
_COUNT, _INTERVAL = 3, 0.2


def ping_available() -> str | None:
    """None when this process may send pings, else the reason it may not (``NOT_PERMITTED``)."""
    return None if _privileged() is not None else NOT_PERMITTED


async def check(spec: PingSpec) -> Result:
    privileged = _privileged()
    if privileged is None:
        return Result.down(NOT_PERMITTED)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.timeout
    try:
        async with asyncio.timeout_at(deadline):
            address = await _resolve(spec.host)
            count, wait = _plan(deadline - loop.time())
            host = await async_ping(address, count=count, interval=_INTERVAL, timeout=wait, privileged=privileged)
    except NameLookupError:
        return Result.down(f"DNS: cannot resolve {spec.host!r}")
    except (ICMPLibError, OSError, TimeoutError) as e:
        return Result.down(_reason(e, spec))
    details = {"address": address, "sent": host.packets_sent, "received": host.packets_received}
    if not host.is_alive:
        named = spec.host if address == spec.host else f"{spec.host} ({address})"
        return Result.down(f"no reply to ping from {named}", **details)
    return Result.up(round(host.avg_rtt, 1), **details)


def _privileged() -> bool | None:
    """False for an unprivileged ICMP socket, True for a raw one, None when neither may be opened."""
    for privileged in (False, True):
        try:
            ICMPv4Socket(privileged=privileged).close()
        except SocketPermissionError:
            continue
        except ICMPLibError:
            continue  # no ICMP of that kind here at all (a sandbox); the other kind may still work
        return privileged
    return None


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
    if isinstance(exc, SocketPermissionError):
        return NOT_PERMITTED
    if isinstance(exc, ICMPLibError):
        return f"ping failed: {exc}"
    return reason_for(exc, host=spec.host, timeout=spec.timeout)
