"""The one way Custode's own ASGI apps (pings, metrics) answer a request: a whole body at once."""

from __future__ import annotations

from typing import Any


async def answer(send: Any, status: int, body: bytes, *, content_type: bytes = b"text/plain; charset=utf-8",
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
