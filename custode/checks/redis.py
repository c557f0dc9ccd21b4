"""Redis check: connect (TLS when asked), AUTH, SELECT the database, PING expecting PONG.

AUTH sends user and password when ``user`` is set (Redis 6 ACL), the password alone otherwise. The
whole exchange shares the one deadline of ``spec.timeout``. Details: redis_version from INFO server,
left out when the monitor's ACL user may not run INFO (a PING-only user is still UP).

DOWN reasons: "Redis: invalid username-password pair or user is disabled",
"Redis: NOAUTH authentication required", "Redis: DB index is out of range", "connection refused",
"timed out after 10s", "DNS: cannot resolve 'x'", "TLS: ...", "environment variable X is not set".
"""

from __future__ import annotations

import asyncio
import time

import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.checks.secrets import MissingSecret, secret
from custode.monitors.specs import RedisSpec

# redis-py drops the error code from the server's reply; put back the one people search for.
_REPLIES = {"Authentication required.": "NOAUTH authentication required"}


async def check(spec: RedisSpec) -> Result:
    started = time.perf_counter()
    try:
        password = secret(spec.password_env)
    except MissingSecret as e:
        return Result.error(str(e))
    client = _client(spec, password)
    try:
        async with asyncio.timeout(spec.timeout):
            pong = await client.ping()  # connects, authenticates and selects the database first
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            version = await _version(client)
    except (OSError, TimeoutError, redis.exceptions.TimeoutError) as e:
        return Result.down(reason_for(_as_timeout(e), host=spec.host, timeout=spec.timeout))
    except redis.exceptions.RedisError as e:
        return Result.down(_reason(e, spec))
    finally:
        await client.aclose()
    details = {"redis_version": version} if version else {}
    if pong is not True:
        return Result.down("Redis: PING was not answered with PONG", latency_ms, **details)
    return Result.up(latency_ms, **details)


def _client(spec: RedisSpec, password: str | None) -> redis.asyncio.Redis:
    """One connection, no retries (the engine retries), RESP2 (HELLO needs Redis 6; RESP2 works on all)."""
    return redis.asyncio.Redis(
        host=spec.host, port=spec.port, username=spec.user, password=password, db=spec.database,
        ssl=spec.tls, socket_connect_timeout=spec.timeout, socket_timeout=spec.timeout,
        retry=Retry(NoBackoff(), 0), single_connection_client=True, protocol=2,
    )


async def _version(client: redis.asyncio.Redis) -> str | None:
    try:
        info = await client.info("server")
    except redis.exceptions.ResponseError:  # NOPERM: a monitor user may be allowed PING only
        return None
    return str(info["redis_version"]) if "redis_version" in info else None


def _reason(error: redis.exceptions.RedisError, spec: RedisSpec) -> str:
    cause = error.__cause__ or error.__context__
    if isinstance(error, redis.exceptions.ConnectionError) and isinstance(cause, (OSError, TimeoutError)):
        return reason_for(cause, host=spec.host, timeout=spec.timeout)
    message = str(error.args[0]) if error.args else error.__class__.__name__
    return f"Redis: {_REPLIES.get(message, message.rstrip('.'))}"


def _as_timeout(error: BaseException) -> BaseException:
    """redis-py's own TimeoutError (its socket timeouts equal ours) reads as ours."""
    return TimeoutError() if isinstance(error, redis.exceptions.TimeoutError) else error
