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

import uuid
from typing import Any

from custode.lib.asgi import answer, read_body
from custode.lib.batches import BatchWriter
from custode.results.pingstore import PingRow, store_pings

MAX_BODY = 10_000
MAX_REMOTE = 64  # Ping.remote's length: a longer X-Forwarded-For address from a proxy is cut, not refused
_KINDS = {"": "success", "start": "start", "fail": "fail", "log": "log"}
_EXIT_CODES = {str(code): code for code in range(256)}
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


class PingRecorder:
    """Collects pings from many requests and stores them together (``custode.lib.batches``).

    ``received`` and ``stored`` count pings since the process started, for ``/metrics``.
    """

    def __init__(self):
        self.writer = BatchWriter(self._write, "pings")
        self.received = 0
        self.stored = 0

    async def record(self, token: uuid.UUID, kind: str, remote: str, body: str, exit_code: int | None = None) -> bool:
        """Store one ping; False when no push monitor has this token."""
        self.received += 1
        stored = await self.writer.submit((token, kind, exit_code, remote, body))
        self.stored += stored
        return stored

    @staticmethod
    def _write(pings: list[PingRow]) -> list[bool]:
        found = store_pings(pings)
        return [token in found for token, *_ in pings]

    def close(self) -> None:
        """Close the writer thread's database connection (at shutdown, and between tests)."""
        self.writer.close()


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
        body = (await read_body(receive, MAX_BODY)).decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        remote = ((scope.get("client") or ("",))[0] or "")[:MAX_REMOTE]
        token, kind, exit_code = parsed
        found = await self.recorder.record(token, kind, remote, body, exit_code)
        await answer(send, 200, b"OK\n") if found else await answer(send, 404, b"no monitor has this ping URL\n")
