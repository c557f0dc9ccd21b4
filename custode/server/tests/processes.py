"""Custode commands as real child processes: their own data dir and SQLite file, output read as it comes.

Each child runs in its own process group, and the whole group is killed when the test ends, so not even
the grandchildren of `custode up` outlive a failing test. A child also stops (SIGTERM) when the test
process dies, even by SIGKILL (see custode.server.lifeline).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from custode.server import lifeline


def custode_env(tmp_path: Path, port: int | None = None, database_url: str | None = None) -> dict[str, str]:
    """The parent's environment on a private data dir and SQLite file, unless DATABASE_URL names another."""
    env = {k: v for k, v in os.environ.items() if k not in ("CUSTODE_BASE_URL", "CUSTODE_DATABASE_URL")}
    env["CUSTODE_DATA_DIR"] = str(tmp_path / "data")
    env["CUSTODE_DATABASE_URL"] = database_url or f"sqlite://{tmp_path}/custode.sqlite3"
    if port is not None:
        env["CUSTODE_LISTEN"] = f"127.0.0.1:{port}"
    return env


def shared_database_url() -> str:
    """The test database (SQLite file or PostgreSQL) as a CUSTODE_DATABASE_URL, for a child that shares it.

    Only for tests marked ``django_db(transaction=True)``: a child sees committed rows only.
    """
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite://{Path(db['NAME']).resolve()}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{quote(db['USER'], safe='')}{password}@{db['HOST']}{port}/{quote(db['NAME'], safe='')}"


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "custode", "migrate", "--verbosity", "0"], env=env, check=True,
                   timeout=120)


class Child:
    def __init__(self, *args: str, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "custode", *args], env=lifeline.child_env(env),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s; output:\n{self.output()}")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code; fails the test if it takes longer than TIMEOUT."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout}s after SIGTERM; output:\n{self.output()}") from None
        self.reader.join(5)
        return code

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.reader.join(5)
        self.proc.stdout.close()


@contextlib.contextmanager
def running(*args: str, env: dict[str, str]) -> Iterator[Child]:
    child = Child(*args, env=env)
    try:
        yield child
    finally:
        child.kill_group()


def alive(pid: int) -> bool:
    """Whether PID runs; a zombie (dead, not yet reaped by whoever adopted it) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True
