"""Running the real engine in a background thread while a test watches the database, and its targets."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator

from custode.engine.engine import Engine


@contextlib.contextmanager
def running_engine(**options) -> Iterator[Engine]:
    options.setdefault("reload_every", 0.2)
    options.setdefault("flush_every", 0.1)
    lines: list[str] = []
    options.setdefault("emit", lines.append)
    holder: dict = {}
    ready = threading.Event()

    async def main() -> None:
        holder["engine"] = engine = Engine(**options)
        holder["loop"] = asyncio.get_running_loop()
        ready.set()
        await engine.run()

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as e:  # shown by the test instead of a silent thread death
            holder["error"] = e
            ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert ready.wait(10), "the engine did not start"
    if "error" in holder:
        raise holder["error"]
    engine = holder["engine"]
    engine.lines = lines
    try:
        yield engine
    finally:
        if thread.is_alive():
            holder["loop"].call_soon_threadsafe(engine.stop)
        thread.join(15)
        assert not thread.is_alive(), "the engine did not stop"
        if "error" in holder:
            raise holder["error"]


def wait_for(condition: Callable[[], object], timeout: float = 10.0, every: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


class Target:
    """An HTTP server whose answers are given in advance: a list of statuses, the last one repeated.

    PORT 0 takes a free one; a target closed and made again on the same port looks to a monitor like a
    server that was stopped and started.
    """

    def __init__(self, statuses: list[int], port: int = 0):
        self.statuses = statuses
        self.served = 0
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = target.statuses[min(target.served, len(target.statuses) - 1)]
                target.served += 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
