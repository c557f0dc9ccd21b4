"""TCP check: the port accepts a connection and, when asked, answers what a healthy service says.

With ``send`` the text is written as is once connected; with ``expect`` the reply is read until the
text appears in it, the peer closes, ``_MAX_REPLY`` bytes came without it, or time runs out. The
whole exchange shares the one deadline of ``spec.timeout``.

DOWN reasons: "connection refused", "timed out after 5s", "timed out after 5s waiting for a reply",
"DNS: cannot resolve 'x'", "connection closed before reply",
"expected 'SSH-' in the reply, got 'HTTP/1.1 400 Bad Request'" (" within 5s" when the peer went quiet).
Details: reply (its first line, when ``expect`` is set).
"""

from __future__ import annotations

import asyncio
import time

from custode.checks import source
from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.lib import durations
from custode.monitors.specs import TcpSpec

_MAX_REPLY = 64 * 1024
_EXCERPT = 40


class _BadReply(Exception):
    """No reply, or one without the expected text; ``str()`` is the reason."""


async def check(spec: TcpSpec) -> Result:
    started = time.perf_counter()
    deadline = asyncio.get_running_loop().time() + spec.timeout
    try:
        async with asyncio.timeout_at(deadline):
            reader, writer = await asyncio.open_connection(spec.host, spec.port, local_addr=source.local_addr())
    except (OSError, TimeoutError) as e:
        return Result.down(reason_for(e, host=spec.host, timeout=spec.timeout))
    reply = bytearray()
    try:
        async with asyncio.timeout_at(deadline):
            await _converse(reader, writer, spec, reply)
    except TimeoutError:
        return Result.down(_late(spec, reply))
    except _BadReply as e:
        return Result.down(str(e))
    except OSError as e:
        return Result.down(reason_for(e, host=spec.host, timeout=spec.timeout))
    finally:
        await _close(writer)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return Result.up(latency_ms, **({"reply": _excerpt(reply)} if spec.expect is not None else {}))


async def _converse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, spec: TcpSpec,
                    reply: bytearray) -> None:
    """Send, then read into REPLY until the expected text shows up (REPLY is kept when time runs out)."""
    if spec.send is not None:
        writer.write(spec.send.encode())
        await writer.drain()
    if spec.expect is None:
        return
    wanted = spec.expect.encode()
    while wanted not in reply:
        if len(reply) >= _MAX_REPLY:
            raise _BadReply(_unexpected(spec.expect, reply))
        chunk = await reader.read(_MAX_REPLY - len(reply))
        if not chunk:
            raise _BadReply(_unexpected(spec.expect, reply) if reply else "connection closed before reply")
        reply += chunk


def _unexpected(expect: str, reply: bytes | bytearray) -> str:
    return f"expected {expect!r} in the reply, got {_excerpt(reply)!r}"


def _late(spec: TcpSpec, reply: bytes | bytearray) -> str:
    """Out of time: what came so far says more than the clock, when anything came."""
    waited = durations.format(spec.timeout)
    if spec.expect is None:
        return f"timed out after {waited}"
    if reply:
        return f"{_unexpected(spec.expect, reply)} within {waited}"
    return f"timed out after {waited} waiting for a reply"


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close politely, but never wait on a peer that stops reading: abort after a second."""
    writer.close()
    try:
        async with asyncio.timeout(1):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        writer.transport.abort()


def _excerpt(reply: bytes | bytearray) -> str:
    """The first line of the reply, decoded leniently and cut to a readable length."""
    lines = reply.decode("utf-8", "replace").strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= _EXCERPT else line[:_EXCERPT] + "…"
