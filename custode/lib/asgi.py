"""How Custode's own ASGI apps (pings, agents' reports, metrics) read a request's body and answer it whole."""

from __future__ import annotations

from typing import Any


async def answer(send: Any, status: int, body: bytes, *, content_type: bytes = b"text/plain; charset=utf-8",
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Any, limit: int) -> bytes:
    """A request's body, at most its first LIMIT bytes: the rest is read and dropped, never held."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if size < limit:
            chunks.append(chunk[: limit - size])
        size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)
