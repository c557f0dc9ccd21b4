"""Files an e-mail carries, named in its outbox row and read only when the e-mail is built.

A message row holds ``files``: ``[{"ref": "report:42", "filename": "informe-mensual-2026-11.pdf",
"content_type": "application/pdf"}]``. The app that keeps the bytes registers a reader for its kind of
reference (``report`` by ``custode.reports``), so the outbox never copies megabytes into each row, and its
lease, retry and exactly-once logic is the same whether a message carries files or not. A reference whose bytes
are gone by the time the e-mail is sent (its customer was removed) makes the message fail for good, with the
reason, rather than go without them.
"""

from __future__ import annotations

from collections.abc import Callable

_readers: dict[str, Callable[[str], bytes | None]] = {}


class Missing(LookupError):
    """A file a message names no longer exists."""


def register(kind: str, reader: Callable[[str], bytes | None]) -> None:
    """READER turns the part of a reference after ``KIND:`` into the file's bytes, or None when it is gone."""
    _readers[kind] = reader


def read(ref: str) -> bytes:
    """The bytes REF names; Missing when its kind is unknown or the file is gone."""
    kind, _, name = ref.partition(":")
    reader = _readers.get(kind)
    data = reader(name) if reader else None
    if data is None:
        raise Missing(f"the attached file {ref!r} no longer exists")
    return bytes(data)
