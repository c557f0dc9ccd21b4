"""How long e-mail delivery waits on the SMTP server at each step: the ``SMTP_TIMEOUTS`` setting.

RFC 5321 §4.5.3.2 gives each step its own minimum wait, because a server may rightly take minutes over some
of them: MAIL and RCPT 5 minutes, DATA 2, each block of the message 3, and the answer to the final "." 10,
since a server may filter or relay the message before it says 250. One short timeout for everything makes
Custode give up on a message the server then accepts, and send it again, and again.

Only the connection (TCP, TLS for ``smtps://`` and the 220 greeting) is kept short, so a server that is
down is found out quickly and the message tried again later. This module imports nothing of Django:
``custode.settings`` reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from custode.lib import durations
from custode.lib.env import SettingError


@dataclass(frozen=True)
class SmtpTimeouts:
    """Seconds to wait for each SMTP step; a wait is for each answer (or each write), not for the session."""

    connect: float = 10.0
    command: float = 300.0  # EHLO, STARTTLS, AUTH, MAIL, RCPT, QUIT
    data_start: float = 120.0  # DATA until its 354
    data_block: float = 180.0  # each write of the message's bytes
    data_end: float = 600.0  # the answer to the "." that ends the message

    @property
    def after_handover(self) -> float:
        """The longest a delivery may still take once the message's bytes start going out."""
        return self.data_block + self.data_end


def smtp_timeouts_from_env(environ: Mapping[str, str] = os.environ) -> SmtpTimeouts:
    """CUSTODE_SMTP_CONNECT_TIMEOUT (10s) and CUSTODE_SMTP_DATA_TIMEOUT (10m, the answer to the end of DATA);
    the other steps wait as long as RFC 5321 recommends."""
    default = SmtpTimeouts()
    return SmtpTimeouts(connect=_seconds(environ, "CUSTODE_SMTP_CONNECT_TIMEOUT", default.connect),
                        data_end=_seconds(environ, "CUSTODE_SMTP_DATA_TIMEOUT", default.data_end))


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = durations.parse(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise SettingError(f"{name}={value!r}: must be a duration above zero, like 30s or 10m")
    return seconds
