"""A loopback HTTP target that notes when each path was asked for: how tests count checks per monitor.

asyncio on one thread, answering 200 and closing, so thousands of checks a second cost it little.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict


class CountingTarget:
    def __init__(self, port: int):
        self.port = port
        self.seen: dict[str, list[float]] = defaultdict(list)  # path -> monotonic times asked
        self.open: set[asyncio.Transport] = set()  # connections still open, closed with the target
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self.thread.start()
        assert started.wait(10), "the counting target did not start"

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Counting(self.seen, self.open), "127.0.0.1", self.port, backlog=4096))
        started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.run_until_complete(asyncio.sleep(0.05))  # the aborted connections' sockets close here
        self.loop.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def times(self) -> dict[str, list[float]]:
        """A copy of what was asked so far (the target keeps serving)."""
        return {path: list(at) for path, at in list(self.seen.items())}

    def close(self) -> None:
        def stop() -> None:
            self.server.close()
            for transport in list(self.open):  # a killed engine's connections would otherwise outlive the test
                transport.abort()
            self.loop.stop()

        self.loop.call_soon_threadsafe(stop)
        self.thread.join(10)


class _Counting(asyncio.Protocol):
    def __init__(self, seen: dict[str, list[float]], open_: set):
        self.seen, self.open = seen, open_
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.open.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if b"\r\n\r\n" not in self.buffer:
            return
        path = self.buffer.split(b" ", 2)[1].decode()
        self.seen[path].append(time.monotonic())
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        self.transport.close()
