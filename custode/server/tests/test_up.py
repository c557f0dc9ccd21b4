"""`custode up` end to end: a real process tree on a temporary data dir, spoken to over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import sys
import time

import httpx
import pytest

from custode.server.tests.processes import Child, alive, custode_env, running
from custode.testing.asgi_server import free_port

URL = r"Custode is running at (\S+)"


def admin_login(client: httpx.Client, username: str, password: str) -> bool:
    form = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = client.post("/admin/login/?next=/admin/", data={"csrfmiddlewaretoken": token, "username": username,
                                                             "password": password, "next": "/admin/"})
    return answer.status_code == 302 and answer.headers["location"] == "/admin/"


def child_pids(up: Child) -> dict[str, int]:
    processes = up.wait_for(r"Processes\s+(.*)").group(1)
    return {name: int(pid) for name, pid in re.findall(r"(\w+) pid (\d+)", processes)}


def superusers(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "custode.sqlite3") as db:
        return [name for (name,) in db.execute("select username from auth_user where is_superuser")]


def test_up_serves_the_app_and_the_one_time_password_logs_in(tmp_path):
    port = free_port()
    with running("up", env=custode_env(tmp_path, port)) as up:
        url = up.wait_for(URL).group(1)
        password = up.wait_for(r"Password\s+(\S+)").group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert "\x1b[" not in up.output()  # piped: plain text, no colour codes
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/login/").status_code < 500
            openapi = client.get("/api/v1/openapi.json")
            assert openapi.status_code == 200
            assert "paths" in openapi.json()
        with httpx.Client(base_url=url, timeout=10) as client:
            assert not admin_login(client, "admin", password + "x")
            assert admin_login(client, "admin", password)
            assert client.get("/admin/").status_code == 200


def test_up_stops_with_exit_0_and_takes_its_children_along_on_sigterm(tmp_path):
    with running("up", env=custode_env(tmp_path, free_port())) as up:
        pids = child_pids(up)
        assert set(pids) == {"web", "engine", "notifier"}
        # Ready: each child has its SIGTERM handler in place (before that, SIGTERM ends it unlogged).
        up.wait_for(r'"event": "engine.stats"')
        up.wait_for("notifier started")
        assert up.stop(timeout=10) == 0
        assert not any(alive(pid) for pid in pids.values())
        up.wait_for("engine stopped", timeout=5)
        up.wait_for("notifier stopped", timeout=5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_up_killed_with_sigkill_takes_its_children_along(tmp_path):
    with running("up", env=custode_env(tmp_path, free_port())) as up:
        pids = child_pids(up)
        try:
            # Ready: each child has its SIGTERM handler in place.
            up.wait_for(r'"event": "engine.stats"')
            up.wait_for("notifier started")
            os.kill(up.proc.pid, signal.SIGKILL)
            assert up.proc.wait(10) == -signal.SIGKILL
            deadline = time.monotonic() + 15
            while any(map(alive, pids.values())) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [name for name, pid in pids.items() if alive(pid)] == []
            # The orphans still write to the pipe `up` shared with them: they stopped gracefully.
            up.wait_for("engine stopped", timeout=5)
            up.wait_for("notifier stopped", timeout=5)
        finally:
            for pid in filter(alive, pids.values()):
                os.kill(pid, signal.SIGKILL)


def test_a_second_up_on_the_same_data_creates_no_admin_and_prints_no_password(tmp_path):
    env = custode_env(tmp_path, free_port())
    with running("up", env=env) as up:
        up.wait_for(URL)
        assert up.stop() == 0
    with running("up", env=env) as up:
        up.wait_for(URL)
        up.wait_for(r"Log in\s+as an existing administrator, or run `custode createadmin`")
        assert up.stop() == 0
    assert "Password" not in up.output()
    assert superusers(tmp_path) == ["admin"]


def test_up_stops_everything_and_exits_non_zero_when_a_child_dies(tmp_path):
    with running("up", env=custode_env(tmp_path, free_port())) as up:
        up.wait_for(URL)
        web = int(up.wait_for(r"web pid (\d+)").group(1))
        engine = int(up.wait_for(r"engine pid (\d+)").group(1))
        os.kill(engine, signal.SIGKILL)
        assert up.proc.wait(15) == 1
        up.wait_for(r"the engine process was killed by SIGKILL; stopping everything", timeout=5)
        assert not alive(web)


def test_up_refuses_a_port_that_something_else_listens_on(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with running("up", env=custode_env(tmp_path, port)) as up:
            assert up.proc.wait(30) == 1
            up.wait_for(rf"something already listens on 127.0.0.1:{port}", timeout=5)
