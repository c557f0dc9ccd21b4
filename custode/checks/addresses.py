"""Host names resolved once per short while for the whole process, not once per connection.

``loop.create_connection(host, ...)`` asks ``getaddrinfo`` in a worker thread every time: at thousands
of HTTP checks a second, each one a hop to the thread pool for the same few names. ``AddressCache``
keeps an answer for ``POSITIVE_TTL`` seconds and a failure for ``NEGATIVE_TTL`` seconds, so a name
that stops resolving is reported within that long; concurrent lookups of one (host, port) share a
single query, and IP literals never reach it. Like the connection limits it is process infrastructure
(``shared``); a check stays a function of its spec.

    addresses = await shared.resolve("example.com", 443)   # [(family, "93.184.215.14"), ...]
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable

__all__ = ["NEGATIVE_TTL", "POSITIVE_TTL", "Address", "AddressCache", "is_ip_literal", "shared", "system_lookup"]

POSITIVE_TTL = 30.0
NEGATIVE_TTL = 5.0
MAX_ENTRIES = 4096

Address = tuple[int, str]  # (socket family, IP address)
Lookup = Callable[[str, int], Awaitable[list[Address]]]


@functools.lru_cache(maxsize=1024)  # keyed by host: thousands of monitors' URLs name a few hosts
def is_ip_literal(host: str) -> bool:
    if ":" not in host and not host.replace(".", "").isdigit():
        return False  # a name: IPv4 is digits and dots, IPv6 has colons (and parsing costs microseconds)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def system_lookup(host: str, port: int) -> list[Address]:
    """The system resolver's stream addresses for HOST, in its order; ``socket.gaierror`` when none."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Address] = []
    for family, _, _, _, sockaddr in infos:
        address = (int(family), str(sockaddr[0]))
        if address not in found:
            found.append(address)
    return found


class AddressCache:
    """Answers and failures of LOOKUP by (host, port), kept for their TTL, at most MAX_ENTRIES of them."""

    def __init__(self, lookup: Lookup = system_lookup, *, positive_ttl: float = POSITIVE_TTL,
                 negative_ttl: float = NEGATIVE_TTL, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lookup = lookup
        self.positive_ttl = positive_ttl
        self.negative_ttl = negative_ttl
        self.max_entries = max_entries
        self.clock = clock
        # (host, port) -> (expires, addresses) or (expires, (errno, message)) for a failure
        self._entries: dict[tuple[str, int], tuple[float, list[Address] | tuple[int, str]]] = {}
        self._pending: dict[tuple[str, int], asyncio.Task[list[Address]]] = {}

    async def resolve(self, host: str, port: int) -> list[Address]:
        """HOST's addresses; raises ``socket.gaierror`` while the name does not resolve."""
        key = (host, port)
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            return _answer(entry[1])
        task = self._pending.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = self._pending[key] = asyncio.get_running_loop().create_task(self._ask(key))
            task.add_done_callback(_retrieve)
        # A check cancelled by its deadline stops waiting; the query goes on for the others.
        return await asyncio.shield(task)

    def forget(self) -> None:
        self._entries.clear()

    async def _ask(self, key: tuple[str, int]) -> list[Address]:
        try:
            addresses = await self.lookup(*key)
        except socket.gaierror as e:
            self._store(key, self.negative_ttl, (e.errno or socket.EAI_NONAME, e.strerror or str(e)))
            raise
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]
        if not addresses:
            self._store(key, self.negative_ttl, (socket.EAI_NONAME, "Name or service not known"))
            return _answer(self._entries[key][1])
        self._store(key, self.positive_ttl, addresses)
        return addresses

    def _store(self, key: tuple[str, int], ttl: float, value: list[Address] | tuple[int, str]) -> None:
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest answer goes first
        self._entries[key] = (self.clock() + ttl, value)


def _retrieve(task: asyncio.Task[list[Address]]) -> None:
    """Mark a failure as seen: when every waiter was cancelled nobody else looks at it."""
    if not task.cancelled():
        task.exception()


def _answer(value: list[Address] | tuple[int, str]) -> list[Address]:
    if isinstance(value, tuple):
        raise socket.gaierror(*value)  # a new exception each time: a raised one keeps its traceback
    return value


shared = AddressCache()
