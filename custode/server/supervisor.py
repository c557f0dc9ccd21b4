"""`custode up` as one process supervising the others: the web server and the background processes.

Each child is `python -m custode NAME`. If one dies on its own, every other one is stopped and `up`
exits non-zero, so a half-running Custode never looks healthy. SIGTERM and SIGINT are passed on to the
children and waited for; a child that does not stop within the grace period is killed. If `up` is
killed with SIGKILL, the kernel sends the children SIGTERM (see lifeline).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from custode.server import lifeline

CHILDREN = ("web", "engine", "notifier")
# A child stopped by the signal we passed on has stopped cleanly.
CLEAN_EXITS = {0, -signal.SIGTERM, -signal.SIGINT}


class StopFlag:
    """Set by SIGTERM or SIGINT; the supervising loop checks it between naps."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, sig: int, frame: object) -> None:
        self.requested = True


def start(names: tuple[str, ...] = CHILDREN) -> dict[str, subprocess.Popen]:
    """Each child stops by SIGTERM when this process dies, even by SIGKILL (see lifeline)."""
    return {name: subprocess.Popen([sys.executable, "-m", "custode", name], env=lifeline.child_env())
            for name in names}


def first_dead(children: dict[str, subprocess.Popen]) -> tuple[str, int] | None:
    for name, proc in children.items():
        if proc.poll() is not None:
            return name, proc.returncode
    return None


def connect_address(host: str, port: int) -> tuple[str, int]:
    """Where to knock to see that HOST:PORT listens: loopback for the wildcard addresses."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host), port


def accepts(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=0.5):
            return True
    except OSError:
        return False


def wait_listening(address: tuple[str, int], children: dict[str, subprocess.Popen], stop: StopFlag,
                   timeout: float = 60.0) -> bool:
    """True once ADDRESS accepts connections; False if asked to stop, a child died or time ran out."""
    deadline = time.monotonic() + timeout
    while not stop.requested and not first_dead(children) and time.monotonic() < deadline:
        if accepts(address):
            return True
        time.sleep(0.1)
    return False


def watch(children: dict[str, subprocess.Popen], stop: StopFlag) -> tuple[str, int] | None:
    """Wait until asked to stop (None) or until a child dies (its name and exit code)."""
    while not stop.requested:
        dead = first_dead(children)
        if dead:
            return dead
        time.sleep(0.2)
    return None


def stop_all(children: dict[str, subprocess.Popen], grace: float = 10.0) -> dict[str, int]:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in children.values():
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return {name: proc.returncode for name, proc in children.items()}


def describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def supervise(children: dict[str, subprocess.Popen], stop: StopFlag, address: tuple[str, int],
              on_ready: Callable[[], None], report: Callable[[str], None]) -> int:
    """Run until asked to stop or until a child dies, then stop every child; the exit code for `up`."""
    dead = None
    try:
        if wait_listening(address, children, stop):
            on_ready()
        elif not stop.requested and not first_dead(children):
            report(f"the web server does not accept connections on {address[0]}:{address[1]}; stopping")
            return 1
        dead = watch(children, stop)
        if dead:
            report(f"the {dead[0]} process {describe_exit(dead[1])}; stopping everything")
    finally:
        codes = stop_all(children)
    unclean = {name: code for name, code in codes.items() if code not in CLEAN_EXITS}
    for name, code in unclean.items():
        if not dead or name != dead[0]:
            report(f"the {name} process {describe_exit(code)} while stopping")
    return 1 if dead or unclean else 0
