"""One module per channel, each exporting ``send(message, attempt)`` that returns once the peer accepted the message.

Each also exports ``peer(message)``: the name of the server the message goes to ("" when it cannot say), the
same name its ``TransportError`` gives as ``peer`` when that server could not be reached.

A transport raises ``TransportError`` when it did not: ``permanent=True`` when trying again cannot help (the
recipient does not exist, the URL is not one Apprise knows), so the message fails at once with that reason;
otherwise the deliverer tries again later. ``NotConfigured`` says Custode itself lacks a setting.

Just before the bytes after which the peer may have the message (SMTP's message data and its final ".", an
HTTP request), a transport calls ``attempt.handing_over(wait)`` with the longest it will then wait for the
answer: the deliverer makes sure its lease covers that wait, or raises ``Abandoned`` (the lease was lost to
another deliverer) and nothing is handed over. A transport that has more to say after the peer accepted (SMTP's
QUIT) calls ``attempt.accepted()`` first, so the message is recorded as sent without waiting for that.
"""

from __future__ import annotations

from typing import Protocol


class TransportError(Exception):
    """PEER, when given, says the failure was the peer's, not the message's (it could not be reached, or refused
    every message): the deliverer then waits for that peer as a whole (``custode.notify.delivery``)."""

    def __init__(self, message: str, permanent: bool = False, peer: str = ""):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.peer = peer


class NotConfigured(TransportError):
    """The channel cannot be used until a setting is given; its messages are held for staff to release or discard."""


class Abandoned(TransportError):
    """The deliverer no longer holds the message's lease: the transport stopped before handing it over."""


class Attempt(Protocol):
    def handing_over(self, wait: float) -> None: ...

    def accepted(self) -> None: ...
