"""Helpers for the MySQL, PostgreSQL and Redis check tests: ports nobody answers on, and a runner.

The database servers themselves are the real ones on the machine (see ``custode.testing.services``);
what they cannot do on demand (refuse, or accept and then say nothing) is played here on loopback.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from custode.checks.result import Result

T = TypeVar("T")

PASSWORD_ENV = "CUSTODE_TEST_DB_PW"
UNSET_ENV = "CUSTODE_TEST_DB_PW_NOT_SET"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run an async check from a sync test (no pytest-asyncio here)."""
    return asyncio.run(coro)


def unique(name: str) -> str:
    """NAME made unique to this test process, so parallel runs never drop each other's users."""
    return f"{name}_{os.getpid()}"


def refused_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SilentServer:
    """A loopback server that accepts connections and never says a word; counts who hung up on it."""

    def __init__(self) -> None:
        self.accepted = 0
        self.hung_up = 0
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._listen, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _listen(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            self.hung_up += 1
            writer.close()

    async def all_hung_up(self, within: float = 2.0) -> bool:
        """Whether every client that connected has closed its end by now (or within WITHIN seconds)."""
        try:
            async with asyncio.timeout(within):
                while self.hung_up < self.accepted:
                    await asyncio.sleep(0.01)
        except TimeoutError:
            return False
        return self.accepted > 0


def check_against_silence(check: Callable[[Any], Awaitable[Result]], spec_for: Callable[[int], Any]) -> Result:
    """Run CHECK on the spec SPEC_FOR builds for a silent server's port; assert the check hung up."""
    async def scenario() -> Result:
        async with SilentServer() as server:
            result = await check(spec_for(server.port))
            assert await server.all_hung_up(), "the check left its connection open"
        return result
    return run(scenario())
