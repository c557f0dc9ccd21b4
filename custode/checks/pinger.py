"""One ICMP socket per event loop and address family, shared by every ping in flight.

Why: a socket per ping does not scale. A raw ICMP socket (what root gets when net.ipv4.ping_group_range
excludes its group) receives a copy of every ICMP packet of the host, so N pings at once mean N² copies to
parse, and each socket's receive buffer overflows with other pings' replies while its own ping sleeps
between echoes: with 300 loopback pings at once, 2 of every 3 echoes were lost; with 1,000 and one echo
each, some hosts were DOWN. Here one socket reads every reply once and hands it to the echo waiting for it,
so hundreds of pings cost one file descriptor instead of hundreds.

How: the socket opens when the first ping of a loop starts and closes when the last one ends (nothing to
shut down, nothing left open between bursts or after ``asyncio.run``). Each echo gets a sequence number
not in flight and a random payload; a reply is taken only if its id (raw sockets; a datagram socket gets
only its own), sequence, source address and payload all match, so a stray or late reply from another
program or an earlier echo is never counted. An ICMP error about our echo (unreachable, TTL exceeded)
ends that echo at once, as lost.

The socket is an unprivileged ICMP datagram socket when allowed, else a raw one; opening raises
``PermissionError`` when neither is allowed, another ``OSError`` when this kind of ICMP does not exist here.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

_PAYLOAD_SIZE = 56  # what ping(8) sends
_SEQUENCES = 1 << 16
_RECEIVE_BUFFER = 1 << 20
_READS_PER_WAKEUP = 256  # then let other tasks run; the loop calls again while packets wait


@dataclass(frozen=True, slots=True)
class _Kind:
    family: socket.AddressFamily
    proto: int
    request: int
    reply: int
    errors: frozenset[int]  # ICMP error types that quote the echo they are about


_V4 = _Kind(socket.AF_INET, socket.IPPROTO_ICMP, request=8, reply=0, errors=frozenset({3, 11, 12}))
_V6 = _Kind(socket.AF_INET6, socket.IPPROTO_ICMPV6, request=128, reply=129, errors=frozenset({1, 2, 3, 4}))


async def ping(address: str, *, count: int, interval: float, timeout: float) -> tuple[int, list[float]]:
    """Send COUNT echoes to ADDRESS (an IP address), INTERVAL apart, each waiting up to TIMEOUT for its reply.

    Returns how many were sent and the round trips (ms) of those answered. An echo the OS refuses to send
    (no route, say) counts as neither sent nor answered.
    """
    kind = _V6 if ":" in address else _V4
    with _shared(kind) as pinger:
        sent = 0
        rtts: list[float] = []
        for n in range(count):
            if n:
                await asyncio.sleep(interval)
            try:
                rtt = await pinger.echo(address, timeout)
            except OSError:
                continue
            sent += 1
            if rtt is not None:
                rtts.append(rtt)
        return sent, rtts


def open_socket(family: socket.AddressFamily = socket.AF_INET) -> tuple[socket.socket, bool]:
    """An ICMP socket of FAMILY and whether it is raw; datagram preferred, as the kernel filters its replies."""
    kind = _V6 if family == socket.AF_INET6 else _V4
    refused: OSError | None = None
    failure: OSError | None = None
    for raw, sock_type in ((False, socket.SOCK_DGRAM), (True, socket.SOCK_RAW)):
        try:
            return socket.socket(kind.family, sock_type, kind.proto), raw
        except OSError as e:
            if e.errno in (errno.EPERM, errno.EACCES):
                refused = e
            else:
                failure = e  # no ICMP of that kind here at all (a sandbox); the other kind may still work
    if refused is not None:
        raise PermissionError(refused.errno, refused.strerror)
    assert failure is not None
    raise failure


_pingers: dict[tuple[asyncio.AbstractEventLoop, socket.AddressFamily], _Pinger] = {}


@contextmanager
def _shared(kind: _Kind) -> Iterator[_Pinger]:
    key = (asyncio.get_running_loop(), kind.family)
    pinger = _pingers.get(key)
    if pinger is None:
        pinger = _pingers[key] = _Pinger(key[0], kind)
    pinger.users += 1
    try:
        yield pinger
    finally:
        pinger.users -= 1
        if not pinger.users:
            del _pingers[key]
            pinger.close()


class _Pinger:
    def __init__(self, loop: asyncio.AbstractEventLoop, kind: _Kind) -> None:
        self.loop, self.kind, self.users = loop, kind, 0
        self.waiting: dict[int, tuple[str, bytes, asyncio.Future[float | None]]] = {}  # by sequence number
        self.writable: asyncio.Future[None] | None = None  # shared by all the echoes waiting to be sent
        self.ident = int.from_bytes(os.urandom(2), "big")  # a datagram socket's id is chosen by the kernel
        self.next_sequence = int.from_bytes(os.urandom(2), "big")
        self.sock, self.raw = open_socket(kind.family)
        try:
            self.sock.setblocking(False)
            with suppress(OSError):  # room for a burst of replies; the kernel caps it at net.core.rmem_max
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
            loop.add_reader(self.sock.fileno(), self._read)
        except BaseException:
            self.sock.close()
            raise

    def close(self) -> None:
        self.loop.remove_reader(self.sock.fileno())
        if self.writable is not None:
            self._on_writable()
        self.sock.close()

    async def echo(self, address: str, timeout: float) -> float | None:
        """The round trip in ms, or None when no reply came within TIMEOUT; OSError when not sent."""
        sequence = self._free_sequence()
        payload = os.urandom(_PAYLOAD_SIZE)
        answered: asyncio.Future[float | None] = self.loop.create_future()
        self.waiting[sequence] = (address, payload, answered)
        try:
            sent_at = time.monotonic()
            await self._send(self._packet(sequence, payload), address)
            self._read()  # a burst of sends would otherwise fill the receive buffer before the loop reads it
            await asyncio.wait([answered], timeout=timeout)
        finally:
            del self.waiting[sequence]
        received_at = answered.result() if answered.done() else None
        return None if received_at is None else (received_at - sent_at) * 1000

    async def _send(self, packet: bytes, address: str) -> None:
        """sendto, waiting while the send buffer is full (uvloop has no ``loop.sock_sendto``)."""
        while True:
            try:
                self.sock.sendto(packet, (address, 0))
                return
            except (BlockingIOError, InterruptedError):
                if self.writable is None:
                    self.writable = self.loop.create_future()
                    self.loop.add_writer(self.sock.fileno(), self._on_writable)
                await asyncio.shield(self.writable)

    def _on_writable(self) -> None:
        self.loop.remove_writer(self.sock.fileno())
        writable, self.writable = self.writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    def _free_sequence(self) -> int:
        if len(self.waiting) >= _SEQUENCES:
            raise OSError(errno.ENOBUFS, "too many pings in flight")
        while self.next_sequence in self.waiting:
            self.next_sequence = (self.next_sequence + 1) % _SEQUENCES
        sequence, self.next_sequence = self.next_sequence, (self.next_sequence + 1) % _SEQUENCES
        return sequence

    def _packet(self, sequence: int, payload: bytes) -> bytes:
        header = struct.pack("!BBHHH", self.kind.request, 0, 0, self.ident, sequence)
        checksum = _checksum(header + payload)  # IPv6's includes a pseudo-header: the kernel fills it in
        return struct.pack("!BBHHH", self.kind.request, 0, checksum, self.ident, sequence) + payload

    def _read(self) -> None:
        for _ in range(_READS_PER_WAKEUP):
            try:
                packet, source = self.sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # an error queued on the socket; the echo it concerns times out
            self._dispatch(packet, source[0], time.monotonic())

    def _dispatch(self, packet: bytes, source: str, received_at: float) -> None:
        if self.raw and self.kind.family == socket.AF_INET:
            packet = packet[(packet[0] & 0x0F) * 4:]  # a raw IPv4 socket gets the IP header too
        if len(packet) < 8:
            return
        if packet[0] == self.kind.reply:
            self._answer(packet, source, received_at)
        elif packet[0] in self.kind.errors:
            self._fail(packet[8:])

    def _answer(self, packet: bytes, source: str, received_at: float) -> None:
        ident, sequence = struct.unpack_from("!HH", packet, 4)
        address, payload, answered = self.waiting.get(sequence, ("", b"", None))
        if answered is None or answered.done() or (self.raw and ident != self.ident):
            return
        if _same_address(source, address) and packet[8:] == payload:
            answered.set_result(received_at)

    def _fail(self, quoted: bytes) -> None:
        """An ICMP error quotes the IP header and the first 8 bytes of the echo it is about."""
        if self.kind.family == socket.AF_INET:
            if not quoted:
                return
            quoted = quoted[(quoted[0] & 0x0F) * 4:]
        else:
            quoted = quoted[40:]
        if len(quoted) < 8 or quoted[0] != self.kind.request:
            return
        ident, sequence = struct.unpack_from("!HH", quoted, 4)
        answered = self.waiting.get(sequence, ("", b"", None))[2]
        if answered is not None and not answered.done() and (ident == self.ident or not self.raw):
            answered.set_result(None)  # the echo is lost; no need to wait for its timeout


def _same_address(source: str, address: str) -> bool:
    """Equal as addresses: "::1" is "0::1", and an IPv6 source may carry its scope ("fe80::1%eth0")."""
    if source == address:
        return True
    try:
        return ipaddress.ip_address(source.split("%")[0]) == ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
