"""MySQL / MariaDB check: log in with the monitor's credentials and run one query.

The query is ``spec.query`` or ``SELECT 1``; with ``expect`` the first column of the first row, as
text, must equal it. Connecting, logging in and querying share the one deadline of ``spec.timeout``.
Details: server_version.

DOWN reasons: "MySQL: access denied for user 'monitor'", "MySQL: access denied for user 'monitor' to
database 'shop'", "MySQL: unknown database 'shop'", "MySQL: too many connections",
"MySQL: query failed: ...", "MySQL: query returned '3', expected '1'", "connection refused",
"timed out after 10s", "DNS: cannot resolve 'x'", "environment variable X is not set".
"""

from __future__ import annotations

import asyncio
import time

import aiomysql
import pymysql
from pymysql.constants import CR, ER

from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.checks.secrets import MissingSecret, secret
from custode.monitors.specs import MysqlSpec

_ACCESS_DENIED_NO_PASSWORD = 1698  # MariaDB: the account has a password, none was sent; not in pymysql's ER
_NETWORK_ERRORS = (CR.CR_CONN_HOST_ERROR, CR.CR_SERVER_LOST, CR.CR_SERVER_GONE_ERROR)
_MARIADB_PREFIX = "5.5.5-"  # MariaDB's old-client compatibility prefix, not part of its version


class _QueryFailed(Exception):
    """The server refused the query after a good login; ``str()`` is the server's message."""


async def check(spec: MysqlSpec) -> Result:
    started = time.perf_counter()
    try:
        password = secret(spec.password_env)
    except MissingSecret as e:
        return Result.error(str(e))
    connection = _connection(spec, password)
    try:
        async with asyncio.timeout(spec.timeout):
            await connection._connect()  # noqa: SLF001 (see _connection)
            value = await _first_value(connection, spec.query or "SELECT 1")
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
    except (OSError, TimeoutError) as e:
        return Result.down(reason_for(e, host=spec.host, timeout=spec.timeout))
    except _QueryFailed as e:
        return Result.down(f"MySQL: query failed: {e}")
    except pymysql.err.Error as e:
        return Result.down(_login_reason(e, spec))
    finally:
        await _close(connection)
    version = _version(connection)
    if spec.expect is not None and value != spec.expect:
        got = "no rows" if value is None else repr(value)
        return Result.down(f"MySQL: query returned {got}, expected {spec.expect!r}", latency_ms,
                           server_version=version)
    return Result.up(latency_ms, server_version=version)


def _connection(spec: MysqlSpec, password: str | None) -> aiomysql.Connection:
    """An unconnected connection, so that ``check`` holds it and can close it when the deadline cancels
    the handshake; ``aiomysql.connect()`` would leave that socket to the garbage collector.

    No ``connect_timeout``: the check's deadline bounds the connect. aiomysql would wrap it in
    ``asyncio.wait_for``, which on Python 3.11 loses a cancellation arriving as the connect completes,
    and the check then waited for a silent server's greeting with no deadline at all."""
    return aiomysql.Connection(host=spec.host, port=spec.port, user=spec.user, password=password or "",
                               db=spec.database)


async def _first_value(connection: aiomysql.Connection, query: str) -> str | None:
    """The first column of the first row as text; None when the query returned no rows."""
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(query)
            row = await cursor.fetchone()
    except pymysql.err.Error as e:
        if _network_cause(e) is not None:
            raise
        raise _QueryFailed(_message(e)) from e
    return None if not row else _text(row[0])


def _login_reason(error: pymysql.err.Error, spec: MysqlSpec) -> str:
    cause = _network_cause(error)
    if cause is not None:
        return reason_for(cause, host=spec.host, timeout=spec.timeout)
    code = error.args[0] if error.args else None
    if code in (ER.ACCESS_DENIED_ERROR, _ACCESS_DENIED_NO_PASSWORD):
        return f"MySQL: access denied for user {spec.user!r}"
    if code == ER.DBACCESS_DENIED_ERROR:
        return f"MySQL: access denied for user {spec.user!r} to database {spec.database!r}"
    if code == ER.BAD_DB_ERROR:
        return f"MySQL: unknown database {spec.database!r}"
    if code == ER.CON_COUNT_ERROR:
        return "MySQL: too many connections"
    return f"MySQL: {_message(error)}"


def _network_cause(error: pymysql.err.Error) -> BaseException | None:
    """The socket error aiomysql wrapped in "Can't connect" / "Lost connection", if that is what it is."""
    code = error.args[0] if error.args else None
    cause = error.__cause__ or error.__context__
    if code in _NETWORK_ERRORS and isinstance(cause, (OSError, TimeoutError, EOFError)):
        return cause
    return None


def _message(error: pymysql.err.Error) -> str:
    return str(error.args[1]) if len(error.args) > 1 else str(error)


def _text(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return "NULL" if value is None else str(value)


def _version(connection: aiomysql.Connection) -> str | None:
    version: str | None = connection.get_server_info()
    return version.removeprefix(_MARIADB_PREFIX) if version else None


async def _close(connection: aiomysql.Connection) -> None:
    """Say goodbye (COM_QUIT) so the server does not log an aborted connection; abort if it stalls."""
    try:
        async with asyncio.timeout(1):
            await connection.ensure_closed()
    except (OSError, TimeoutError):
        pass
    finally:
        connection.close()
