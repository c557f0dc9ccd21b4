"""What a writer of messages hands to the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outgoing:
    """One message for one recipient on one channel. ``key`` makes writing it twice harmless."""

    key: str
    audience: str
    channel: str
    recipient: str
    language: str
    subject: str
    body: str
    recipient_name: str = ""
    topic: str = ""
    customer_id: int | None = None
    payload: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    files: list = field(default_factory=list)  # e-mail only: [{ref, filename, content_type}], see notify.attached
