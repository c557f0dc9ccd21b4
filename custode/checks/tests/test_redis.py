"""The Redis check against the machine's Redis (ACL users made for the test) and, for a server that
demands a password of everyone, a private ``redis-server --requirepass`` started for this module:
setting requirepass on the shared one would lock out everybody else's tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from custode.checks import redis as redis_check
from custode.checks.result import Result, Status
from custode.checks.tests.databases import (
    PASSWORD_ENV, UNSET_ENV, check_against_silence, refused_port, run, unique,
)
from custode.monitors.specs import RedisSpec
from custode.testing.services import port_open, require_service

PASSWORD = "m0nitor-s3cret"
USER = unique("custode_monitor")
PING_ONLY_USER = unique("custode_ping_only")


@pytest.fixture(scope="module")
def acl_users() -> Iterator[None]:
    """Two users with a password: one that may PING, SELECT and INFO, one that may only PING."""
    require_service("Redis", port_open("127.0.0.1", 6379))
    with redis.Redis(host="127.0.0.1", port=6379) as admin:
        admin.acl_setuser(USER, enabled=True, passwords=[f"+{PASSWORD}"], commands=["+ping", "+select", "+info"])
        admin.acl_setuser(PING_ONLY_USER, enabled=True, passwords=[f"+{PASSWORD}"], commands=["+ping"])
        yield
        admin.acl_deluser(USER, PING_ONLY_USER)


@pytest.fixture(scope="module")
def locked_redis() -> Iterator[int]:
    """The port of a private Redis whose default user needs PASSWORD."""
    require_service("redis-server", shutil.which("redis-server") is not None, "needed to run a Redis with a password")
    port = refused_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--requirepass", PASSWORD,
               "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if port_open("127.0.0.1", port):
            return
        if server.poll() is not None:
            pytest.fail(f"redis-server exited with {server.returncode}")
        time.sleep(0.05)
    pytest.fail("redis-server did not start listening within 5s")


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv(UNSET_ENV, raising=False)


def spec(**fields: Any) -> RedisSpec:
    return RedisSpec.model_validate({"id": "r", "type": "redis", "host": "127.0.0.1", "timeout": "2s", **fields})


def check(**fields: Any) -> Result:
    return run(redis_check.check(spec(**fields)))


def test_a_redis_without_a_password_is_up_with_its_version() -> None:
    require_service("Redis", port_open("127.0.0.1", 6379))
    result = check()
    assert result.status == Status.UP, result.reason
    assert result.details["redis_version"][0].isdigit()
    assert result.latency_ms is not None and result.latency_ms > 0


def test_an_acl_user_with_the_right_password_is_up(acl_users: None) -> None:
    result = check(user=USER, password_env=PASSWORD_ENV, database=1)
    assert result.status == Status.UP, result.reason
    assert result.details["redis_version"]


def test_an_acl_user_with_the_wrong_password_is_down(acl_users: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = check(user=USER, password_env=PASSWORD_ENV)
    assert (result.status, result.reason) == (
        Status.DOWN, "Redis: invalid username-password pair or user is disabled")


def test_a_user_allowed_only_ping_is_up_without_a_version(acl_users: None) -> None:
    result = check(user=PING_ONLY_USER, password_env=PASSWORD_ENV)
    assert result.status == Status.UP, result.reason
    assert "redis_version" not in result.details


def test_a_database_index_out_of_range_is_down() -> None:
    require_service("Redis", port_open("127.0.0.1", 6379))
    result = check(database=9999)
    assert (result.status, result.reason) == (Status.DOWN, "Redis: DB index is out of range")


def test_the_right_password_alone_is_up_on_a_redis_that_requires_one(locked_redis: int) -> None:
    result = check(port=locked_redis, password_env=PASSWORD_ENV)
    assert result.status == Status.UP, result.reason


def test_no_password_for_a_redis_that_requires_one_is_down_with_noauth(locked_redis: int) -> None:
    result = check(port=locked_redis)
    assert (result.status, result.reason) == (Status.DOWN, "Redis: NOAUTH authentication required")


def test_the_wrong_password_alone_is_down(locked_redis: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = check(port=locked_redis, password_env=PASSWORD_ENV)
    assert (result.status, result.reason) == (
        Status.DOWN, "Redis: invalid username-password pair or user is disabled")


def test_a_missing_password_variable_is_an_error_of_custode_naming_it() -> None:
    result = check(password_env=UNSET_ENV)
    assert (result.status, result.reason) == (Status.ERROR, f"environment variable {UNSET_ENV} is not set")


def test_nobody_listening_is_connection_refused() -> None:
    result = check(port=refused_port())
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_server_that_never_answers_times_out_and_is_hung_up_on() -> None:
    result = check_against_silence(redis_check.check, lambda port: spec(port=port, timeout="500ms"))
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    result = check(host="nohost.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'nohost.invalid'")
