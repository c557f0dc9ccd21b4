"""Heartbeat ingest: /ping/<uuid>, /ping/<uuid>/start, /ping/<uuid>/fail, /ping/<uuid>/<exit code> and
/ping/<uuid>/log, the forms healthchecks.io's scripts already use.

Every ping is a ``Ping`` row with its body. The monitor keeps what the engine judges without a query:
the last start, success or failure in ``last_ping_at``/``last_ping_kind`` (``fail:<code>`` for a nonzero
exit code), and the last success, failure or log body in ``last_ping_body``. A ``/log`` ping moves no state.

This path is served before Django (see ``custode.asgi``) because every monitored job calls it and
it must stay cheap: a request is parsed by hand, queued, and answered once the batch it joined
is committed by one database thread, so an "OK" always means the ping is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connection, connections, transaction

from custode.lib.asgi import answer
from custode.monitors.models import Monitor
from custode.results.models import Ping

MAX_BODY = 10_000
_KINDS = {"": "success", "start": "start", "fail": "fail", "log": "log"}
_EXIT_CODES = {str(code): code for code in range(256)}
_BODY_KINDS = frozenset({"success", "fail", "log"})  # whose body is the job's output, kept on the monitor
NOT_A_PING_URL = (b"not a ping URL: use /ping/<uuid>, or /ping/<uuid>/start, /fail, /log "
                  b"or /<exit code> (0-255)\n")


def parse_path(path: str) -> tuple[uuid.UUID, str, int | None] | None:
    """(token, kind, exit code or None) for a ping path, None when the path is not a ping URL."""
    parts = path.removeprefix("/ping/").rstrip("/").split("/")
    if len(parts) > 2:
        return None
    try:
        token = uuid.UUID(parts[0])
    except ValueError:
        return None
    suffix = parts[1] if len(parts) == 2 else ""
    code = _EXIT_CODES.get(suffix)
    if code is not None:
        return token, "success" if code == 0 else "fail", code
    kind = _KINDS.get(suffix)
    return (token, kind, None) if kind else None


def _latest(rows: list[tuple]) -> tuple[dict[int, str], dict[int, str]]:
    """From a batch's rows in arrival order: each monitor's last state-moving kind, and its last output."""
    kinds, bodies = {}, {}
    for monitor_id, _, kind, code, _, body in rows:
        if kind != "log":
            kinds[monitor_id] = f"fail:{code}" if kind == "fail" and code else kind
        if kind in _BODY_KINDS:
            bodies[monitor_id] = body
    return kinds, bodies


class PingRecorder:
    """Collects pings from many requests and stores them together.

    There is no waiting window: a batch is written as soon as the writer is free, and the pings
    that arrive meanwhile form the next one, so batches grow with the load and latency stays low.
    ``received`` and ``stored`` count pings since the process started, for ``/metrics``.
    """

    def __init__(self, window: float = 0.0):
        self.window = window
        self.pending: list[tuple[uuid.UUID, str, int | None, str, str, asyncio.Future]] = []
        self.known: dict[uuid.UUID, int] = {}
        self.db = ThreadPoolExecutor(1, thread_name_prefix="custode-pings")
        self.flushing: asyncio.Task | None = None
        self.received = 0
        self.stored = 0

    async def record(self, token: uuid.UUID, kind: str, remote: str, body: str, exit_code: int | None = None) -> bool:
        """Store one ping; False when no push monitor has this token."""
        self.received += 1
        future = asyncio.get_running_loop().create_future()
        self.pending.append((token, kind, exit_code, remote, body, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self.pending:
            await asyncio.sleep(self.window)
            batch, self.pending = self.pending, []
            try:
                found = await asyncio.get_running_loop().run_in_executor(self.db, self._write, batch)
            except Exception as e:
                for *_, future in batch:
                    future.set_exception(e)
                continue
            for token, *_, future in batch:
                self.stored += token in found
                future.set_result(token in found)

    def _write(self, batch: list) -> set[uuid.UUID]:
        close_old_connections()
        self._learn({token for token, *_ in batch} - self.known.keys())
        now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.timezone.utc))
        rows = [(self.known[t], now, kind, code, remote, body) for t, kind, code, remote, body, _ in batch
                if t in self.known]
        kinds, bodies = _latest(rows)
        monitors = Monitor._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {Ping._meta.db_table} (monitor_id, at, kind, exit_code, remote, body) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
            for sql, params in (
                (f"UPDATE {monitors} SET last_ping_at = %s, last_ping_kind = %s, last_ping_body = %s WHERE id = %s",
                 [(now, kind, bodies[m], m) for m, kind in kinds.items() if m in bodies]),
                (f"UPDATE {monitors} SET last_ping_at = %s, last_ping_kind = %s WHERE id = %s",
                 [(now, kind, m) for m, kind in kinds.items() if m not in bodies]),
                (f"UPDATE {monitors} SET last_ping_body = %s WHERE id = %s",
                 [(body, m) for m, body in bodies.items() if m not in kinds]),
            ):
                if params:
                    cursor.executemany(sql, params)
        return {t for t, *_ in batch if t in self.known}

    def close(self) -> None:
        """Close the writer thread's database connection (at shutdown, and between tests)."""
        self.db.submit(connections.close_all).result()

    def _learn(self, tokens: set[uuid.UUID]) -> None:
        if tokens:
            rows = Monitor.objects.filter(type="push", push_token__in=tokens).values_list("push_token", "id")
            self.known.update(rows)


async def _body(receive: Any) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if size < MAX_BODY:
            chunks.append(chunk[: MAX_BODY - size])
        size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


class PingApp:
    """ASGI app: ping URLs here, everything else to Django."""

    def __init__(self, django_app: Any, recorder: PingRecorder | None = None):
        self.django_app = django_app
        self.recorder = recorder or PingRecorder()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/ping/"):
            return await self.django_app(scope, receive, send)
        parsed = parse_path(scope["path"])
        if parsed is None:
            return await answer(send, 404, NOT_A_PING_URL)
        if scope["method"] not in ("GET", "POST", "HEAD"):
            return await answer(send, 405, b"use GET or POST\n")
        body = (await _body(receive)).decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        remote = (scope.get("client") or ("",))[0] or ""
        token, kind, exit_code = parsed
        found = await self.recorder.record(token, kind, remote, body, exit_code)
        await answer(send, 200, b"OK\n") if found else await answer(send, 404, b"no monitor has this ping URL\n")
