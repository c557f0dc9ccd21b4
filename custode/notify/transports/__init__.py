"""One module per channel, each exporting ``send(message)`` that returns once the peer accepted the message.

A transport raises ``TransportError`` when it did not: ``permanent=True`` when trying again cannot help (the
recipient does not exist, the URL is not one Apprise knows), so the message fails at once with that reason;
otherwise the deliverer tries again later. ``NotConfigured`` says Custode itself lacks a setting.
"""

from __future__ import annotations


class TransportError(Exception):
    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class NotConfigured(TransportError):
    """The channel cannot be used until a setting is given; its messages are held for staff to release or discard."""
