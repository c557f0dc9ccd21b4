"""PostgreSQL check: log in with the monitor's credentials and run one query.

The query is ``spec.query`` or ``SELECT 1``; with ``expect`` the first column of the first row, as
text, must equal it. Connecting, logging in and querying share the one deadline of ``spec.timeout``.
Details: server_version.

DOWN reasons: 'PostgreSQL: role "x" does not exist', 'PostgreSQL: database "x" does not exist',
'PostgreSQL: password authentication failed for user "x"' (the server's own words after FATAL),
"PostgreSQL: query failed: ...", "PostgreSQL: query returned '3', expected '1'", "connection refused",
"timed out after 10s", "DNS: cannot resolve 'x'", "environment variable X is not set".

libpq reports a failed connection as text only (no SQLSTATE, no errno), so ``_connect_reason`` reads
that text: the server's FATAL message when there is one, else libpq's words for the network failure.
"""

from __future__ import annotations

import asyncio
import math
import re
import time

import psycopg

from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.checks.secrets import MissingSecret, secret
from custode.lib import durations
from custode.monitors.specs import PostgresSpec

_SERVER_SAYS = re.compile(r"\b(?:FATAL|ERROR):\s+(.+)")
_LIBPQ_MIN_TIMEOUT = 2  # libpq treats a connect_timeout below 2s as 2s
_NETWORK_WORDS = {
    "connection refused": "connection refused",
    "connection reset": "connection reset by peer",
    "no route to host": "no route to host",
    "network is unreachable": "network unreachable",
    "server closed the connection unexpectedly": "connection closed by peer",
}


async def check(spec: PostgresSpec) -> Result:
    started = time.perf_counter()
    try:
        password = secret(spec.password_env)
    except MissingSecret as e:
        return Result.error(str(e))
    deadline = asyncio.get_running_loop().time() + spec.timeout
    try:
        async with asyncio.timeout_at(deadline):
            connection = await _connect(spec, password)
    except TimeoutError as e:
        return Result.down(reason_for(e, timeout=spec.timeout))
    except psycopg.Error as e:
        return Result.down(_connect_reason(e, spec))
    try:
        details = {"server_version": connection.info.parameter_status("server_version")}  # sent at login
        async with asyncio.timeout_at(deadline):
            value = await _first_value(connection, spec.query or "SELECT 1")
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
    except TimeoutError as e:
        return Result.down(reason_for(e, timeout=spec.timeout))
    except psycopg.Error as e:
        return Result.down(_query_reason(e, spec))
    finally:
        await connection.close()
    if spec.expect is not None and value != spec.expect:
        got = "no rows" if value is None else repr(value)
        return Result.down(f"PostgreSQL: query returned {got}, expected {spec.expect!r}", latency_ms, **details)
    return Result.up(latency_ms, **details)


async def _connect(spec: PostgresSpec, password: str | None) -> psycopg.AsyncConnection[tuple[object, ...]]:
    """Autocommit, so the query leaves no transaction open; libpq's own timeout is only a backstop."""
    return await psycopg.AsyncConnection.connect(
        host=spec.host, port=spec.port, user=spec.user, password=password, dbname=spec.database,
        connect_timeout=max(_LIBPQ_MIN_TIMEOUT, math.ceil(spec.timeout)), autocommit=True,
    )


async def _first_value(connection: psycopg.AsyncConnection[tuple[object, ...]], query: str) -> str | None:
    """The first column of the first row as text; None when the query returned no rows."""
    cursor = await connection.execute(query)
    row = await cursor.fetchone() if cursor.description else None
    return None if not row else _text(row[0])


def _query_reason(error: psycopg.Error, spec: PostgresSpec) -> str:
    """The server's words when it refused the query (it then sends a SQLSTATE); else the connection broke."""
    if error.sqlstate is None:
        return _connect_reason(error, spec)
    return f"PostgreSQL: query failed: {error.diag.message_primary or _first_line(str(error))}"


def _connect_reason(error: psycopg.Error, spec: PostgresSpec) -> str:
    """The most specific reason in libpq's text; with several addresses tried, the last one's comes first."""
    if isinstance(error, psycopg.errors.ConnectionTimeout):
        return f"timed out after {durations.format(spec.timeout)}"
    text = str(error)
    server = _SERVER_SAYS.search(text)
    if server:
        return f"PostgreSQL: {server.group(1).strip()}"
    lowered = _first_line(text).lower()
    if "failed to resolve host" in lowered or "could not translate host name" in lowered:
        return f"DNS: cannot resolve {spec.host!r}"
    for words, reason in _NETWORK_WORDS.items():
        if words in lowered:
            return reason
    return f"PostgreSQL: {_first_line(text).rsplit('failed: ', 1)[-1]}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return "NULL" if value is None else str(value)
