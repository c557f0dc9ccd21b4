"""Custode's real ASGI application served by uvicorn in a thread, for tests that speak HTTP to it."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn


def free_port() -> int:
    """A free loopback port: the next free one of CUSTODE_TEST_PORTS (LOW-HIGH) when set, so test runs sharing a
    machine keep to their own ports; else any the system picks."""
    wanted = os.environ.get("CUSTODE_TEST_PORTS", "")
    low, _, high = wanted.partition("-")
    if low.isdigit() and high.isdigit():
        ports = list(range(int(low), int(high) + 1))
        start = random.randrange(len(ports))  # parallel tests rarely try the same port first
        for port in ports[start:] + ports[:start]:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"CUSTODE_TEST_PORTS={wanted}: no free port left")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve APP on a free loopback port; yields its base URL and stops the server afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                          loop="asyncio", http="httptools"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
