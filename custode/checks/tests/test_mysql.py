"""The MySQL check against the machine's MariaDB, logging in as a monitor user made for the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from custode.checks import mysql
from custode.checks.result import Result, Status
from custode.checks.tests.databases import (
    PASSWORD_ENV, UNSET_ENV, check_against_silence, refused_port, run, unique,
)
from custode.monitors.specs import MysqlSpec
from custode.testing.services import port_open, require_service

PASSWORD = "m0nitor-s3cret"
USER = unique("custode_monitor")


def root() -> pymysql.connections.Connection[Any]:
    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)


@pytest.fixture(scope="module", autouse=True)
def monitor_user() -> Iterator[None]:
    """A login with a password and SELECT on `test` only, dropped afterwards."""
    require_service("MariaDB", port_open("127.0.0.1", 3306))
    with root() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE OR REPLACE USER %s@'%%' IDENTIFIED BY %s", (USER, PASSWORD))
        cursor.execute("GRANT SELECT ON test.* TO %s@'%%'", (USER,))
    yield
    with root() as connection, connection.cursor() as cursor:
        cursor.execute("DROP USER IF EXISTS %s@'%%'", (USER,))


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv(UNSET_ENV, raising=False)


def spec(**fields: Any) -> MysqlSpec:
    values = {"id": "m", "type": "mysql", "host": "127.0.0.1", "user": USER, "password_env": PASSWORD_ENV,
              "database": "test", "timeout": "2s", **fields}
    return MysqlSpec.model_validate(values)


def check(**fields: Any) -> Result:
    return run(mysql.check(spec(**fields)))


def test_the_right_password_is_up_with_the_server_version() -> None:
    result = check()
    assert result.status == Status.UP, result.reason
    assert "MariaDB" in result.details["server_version"]
    assert not result.details["server_version"].startswith("5.5.5-")
    assert result.latency_ms is not None and result.latency_ms > 0


def test_a_query_returning_the_expected_value_is_up() -> None:
    result = check(query="SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'TABLES'",
                   expect="1")
    assert result.status == Status.UP, result.reason


def test_no_database_named_is_up() -> None:
    assert check(database=None).status == Status.UP


def test_wrong_password_is_down_with_access_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = check()
    assert (result.status, result.reason) == (Status.DOWN, f"MySQL: access denied for user {USER!r}")


def test_no_password_for_an_account_that_has_one_is_down_with_access_denied() -> None:
    result = check(password_env=None)
    assert (result.status, result.reason) == (Status.DOWN, f"MySQL: access denied for user {USER!r}")


def test_an_unknown_user_is_down_with_access_denied() -> None:
    result = check(user="nobody_at_all")
    assert (result.status, result.reason) == (Status.DOWN, "MySQL: access denied for user 'nobody_at_all'")


def test_a_database_the_user_may_not_use_is_down_naming_it() -> None:
    result = check(database="mysql")
    assert (result.status, result.reason) == (
        Status.DOWN, f"MySQL: access denied for user {USER!r} to database 'mysql'")


def test_an_unknown_database_is_down_naming_it() -> None:
    result = check(user="root", password_env=None, database="custode_no_such_db")
    assert (result.status, result.reason) == (Status.DOWN, "MySQL: unknown database 'custode_no_such_db'")


def test_a_failing_query_is_down_with_the_servers_message() -> None:
    result = check(query="SELECT no_such_column FROM information_schema.tables")
    assert result.status == Status.DOWN
    # MariaDB 10.11 ends with "in 'SELECT'", MySQL and older MariaDB with "in 'field list'"
    assert result.reason.startswith("MySQL: query failed: Unknown column 'no_such_column' in "), result.reason


def test_a_query_returning_another_value_is_down_showing_both() -> None:
    result = check(query="SELECT 1 + 2", expect="1")
    assert (result.status, result.reason) == (Status.DOWN, "MySQL: query returned '3', expected '1'")
    assert result.details["server_version"]


def test_a_query_returning_no_rows_when_a_value_is_expected_is_down() -> None:
    result = check(query="SELECT 1 FROM DUAL WHERE 1 = 0", expect="1")
    assert (result.status, result.reason) == (Status.DOWN, "MySQL: query returned no rows, expected '1'")


def test_a_null_is_compared_as_NULL() -> None:
    result = check(query="SELECT NULL", expect="0")
    assert (result.status, result.reason) == (Status.DOWN, "MySQL: query returned 'NULL', expected '0'")


def test_a_missing_password_variable_is_an_error_of_custode_naming_it() -> None:
    result = check(password_env=UNSET_ENV)
    assert (result.status, result.reason) == (Status.ERROR, f"environment variable {UNSET_ENV} is not set")


def test_nobody_listening_is_connection_refused() -> None:
    result = check(port=refused_port())
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_server_that_never_answers_times_out_and_is_hung_up_on() -> None:
    result = check_against_silence(mysql.check, lambda port: spec(port=port, timeout="500ms"))
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    result = check(host="nohost.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'nohost.invalid'")
