"""The PostgreSQL check against the machine's PostgreSQL.

Its loopback logins use trust authentication, which accepts any password, so "password
authentication failed" cannot be provoked here; a role that does not exist is refused for real.
"""

from __future__ import annotations

from typing import Any

import pytest

from custode.checks import postgres
from custode.checks.result import Result, Status
from custode.checks.tests.databases import (
    PASSWORD_ENV, UNSET_ENV, check_against_silence, refused_port, run,
)
from custode.monitors.specs import PostgresSpec
from custode.testing.services import port_open, require_service


@pytest.fixture(autouse=True)
def postgres_running(monkeypatch: pytest.MonkeyPatch) -> None:
    require_service("PostgreSQL", port_open("127.0.0.1", 5432))
    monkeypatch.setenv(PASSWORD_ENV, "any-password-trust-accepts-it")
    monkeypatch.delenv(UNSET_ENV, raising=False)


def spec(**fields: Any) -> PostgresSpec:
    values = {"id": "p", "type": "postgres", "host": "127.0.0.1", "user": "postgres",
              "password_env": PASSWORD_ENV, "database": "test", "timeout": "2s", **fields}
    return PostgresSpec.model_validate(values)


def check(**fields: Any) -> Result:
    return run(postgres.check(spec(**fields)))


def test_a_login_that_works_is_up_with_the_server_version() -> None:
    result = check()
    assert result.status == Status.UP, result.reason
    assert result.details["server_version"][0].isdigit()
    assert result.latency_ms is not None and result.latency_ms > 0


def test_a_query_returning_the_expected_value_is_up() -> None:
    result = check(query="SELECT count(*) FROM pg_database WHERE datname = 'test'", expect="1")
    assert result.status == Status.UP, result.reason


def test_a_boolean_is_compared_as_true_or_false() -> None:
    assert check(query="SELECT pg_is_in_recovery()", expect="false").status == Status.UP


def test_a_role_that_does_not_exist_is_down_naming_it() -> None:
    result = check(user="custode_no_such_role")
    assert (result.status, result.reason) == (Status.DOWN, 'PostgreSQL: role "custode_no_such_role" does not exist')


def test_a_database_that_does_not_exist_is_down_naming_it() -> None:
    result = check(database="custode_no_such_db")
    assert (result.status, result.reason) == (
        Status.DOWN, 'PostgreSQL: database "custode_no_such_db" does not exist')


def test_a_failing_query_is_down_with_the_servers_message() -> None:
    result = check(query="SELECT no_such_column FROM pg_database")
    assert (result.status, result.reason) == (
        Status.DOWN, 'PostgreSQL: query failed: column "no_such_column" does not exist')


def test_a_query_returning_another_value_is_down_showing_both() -> None:
    result = check(query="SELECT 1 + 2", expect="1")
    assert (result.status, result.reason) == (Status.DOWN, "PostgreSQL: query returned '3', expected '1'")
    assert result.details["server_version"]


def test_a_query_returning_no_rows_when_a_value_is_expected_is_down() -> None:
    result = check(query="SELECT 1 WHERE false", expect="1")
    assert (result.status, result.reason) == (Status.DOWN, "PostgreSQL: query returned no rows, expected '1'")


def test_a_statement_without_rows_is_up_when_nothing_is_expected() -> None:
    assert check(query="SET application_name = 'custode'").status == Status.UP


def test_a_query_slower_than_the_timeout_is_timed_out() -> None:
    result = check(query="SELECT pg_sleep(5)", timeout="500ms")
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_missing_password_variable_is_an_error_of_custode_naming_it() -> None:
    result = check(password_env=UNSET_ENV)
    assert (result.status, result.reason) == (Status.ERROR, f"environment variable {UNSET_ENV} is not set")


def test_nobody_listening_is_connection_refused() -> None:
    result = check(port=refused_port())
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_server_that_never_answers_times_out_and_is_hung_up_on() -> None:
    result = check_against_silence(postgres.check, lambda port: spec(port=port, timeout="500ms"))
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    result = check(host="nohost.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'nohost.invalid'")
