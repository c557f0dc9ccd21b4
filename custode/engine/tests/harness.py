"""Running the real engine in a background thread while a test watches the database."""

from __future__ import annotations

import asyncio
import contextlib
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
