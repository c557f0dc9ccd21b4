"""SMTP check: a 220 banner, EHLO, STARTTLS when the spec asks for it, then QUIT.

STARTTLS uses the same shared TLS context as the other checks (``httpclient.client_context``), so a
private CA named by SSL_CERT_FILE is trusted here too; ``verify_tls: false`` skips verification.
After STARTTLS the EHLO is sent again, as RFC 3207 asks, and the extensions reported are those
offered over TLS. A QUIT the server answers oddly does not make the check fail: the mail service
already proved itself.

DOWN reasons: "SMTP: banner 554 mx.example.com no service", "SMTP: EHLO answered 502 ...",
"SMTP: STARTTLS not offered", "SMTP: STARTTLS answered 454 ...", "TLS: certificate has expired"
(any ``reason_for`` TLS wording), "SMTP: connection closed before the banner",
"SMTP: not an SMTP server, it said 'SSH-2.0-OpenSSH_9.6'", "connection refused", "timed out after 10s".
Details: banner, extensions (lower-case names), tls (protocol version, with STARTTLS).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from typing import Any

import aiosmtplib
from aiosmtplib.status import SMTPStatus

from custode.checks import source
from custode.checks.errors import reason_for
from custode.checks.httpclient import client_context
from custode.checks.result import Result
from custode.monitors.specs import SmtpSpec

_EXCERPT = 80


class _Failed(Exception):
    """A step failed in a way ``str()`` already says."""


async def check(spec: SmtpSpec) -> Result:
    started = time.perf_counter()
    # The host name, not socket.getfqdn(): EHLO needs a name, not a DNS lookup on every check.
    client = aiosmtplib.SMTP(hostname=spec.host, port=spec.port, timeout=spec.timeout, start_tls=False,
                             local_hostname=socket.gethostname(), source_address=source.local_addr())
    plain: asyncio.BaseTransport | None = None
    try:
        async with asyncio.timeout(spec.timeout):
            banner = await client.connect()
            plain = client.transport  # the socket's own transport, under TLS once STARTTLS wraps it
            details = await _converse(client, spec, banner.message)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
    except (aiosmtplib.SMTPException, OSError, TimeoutError, _Failed) as e:
        return Result.down(_reason(e, spec))
    finally:
        await _close(client, plain)
    return Result.up(latency_ms, **details)


async def _close(client: aiosmtplib.SMTP, plain: asyncio.BaseTransport | None) -> None:
    """Close, and see the socket closed before the check returns: abort after half a second.

    Over TLS a close first trades close_notify with the server, so closing alone leaves the socket
    open for a while; a check whose event loop ended meanwhile left it to the garbage collector.
    """
    client.close()
    if plain is None:
        return
    sock = plain.get_extra_info("socket")
    if sock is None:
        return
    try:
        async with asyncio.timeout(0.5):
            while sock.fileno() != -1:
                await asyncio.sleep(0.005)
    except TimeoutError:
        pass
    finally:
        if sock.fileno() != -1:
            plain.abort()


async def _converse(client: aiosmtplib.SMTP, spec: SmtpSpec, banner: str) -> dict[str, Any]:
    await client.ehlo()
    details: dict[str, Any] = {"banner": banner}
    if spec.starttls:
        details["tls"] = await _starttls(client, spec)
        await client.ehlo()
    details["extensions"] = sorted(client.esmtp_extensions)
    try:
        await client.quit()
    except aiosmtplib.SMTPResponseException:
        pass
    return details


async def _starttls(client: aiosmtplib.SMTP, spec: SmtpSpec) -> str:
    """Upgrade the connection; the TLS version agreed."""
    if not client.supports_extension("starttls"):
        raise _Failed("SMTP: STARTTLS not offered")
    try:
        await client.starttls(tls_context=client_context(spec.verify_tls, http=False))
    except aiosmtplib.SMTPResponseException as e:
        raise _Failed(f"SMTP: STARTTLS answered {e.code} {_line(e.message)}") from e
    ssl_object: ssl.SSLObject = client.get_transport_info("ssl_object")
    return ssl_object.version() or "TLS"


def _reason(exc: BaseException, spec: SmtpSpec) -> str:
    """The most specific reason for EXC; aiosmtplib wraps socket errors, so look at the cause."""
    if isinstance(exc, _Failed):
        return str(exc)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code == SMTPStatus.invalid_response:
        said = exc.message.removeprefix("Malformed SMTP response line: ")
        return f"SMTP: not an SMTP server, it said {_line(said)!r}"
    if isinstance(exc, aiosmtplib.SMTPConnectResponseError):
        return f"SMTP: banner {exc.code} {_line(exc.message)}"
    if isinstance(exc, aiosmtplib.SMTPHeloError):
        return f"SMTP: EHLO answered {exc.code} {_line(exc.message)}"
    if isinstance(exc, TimeoutError):
        return reason_for(exc, timeout=spec.timeout)
    if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(exc.__cause__, aiosmtplib.SMTPServerDisconnected):
        return "SMTP: connection closed before the banner"
    if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(exc.__cause__, OSError):
        return reason_for(exc.__cause__, host=spec.host, timeout=spec.timeout)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP: {exc.code} {_line(exc.message)}"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return "SMTP: connection closed by the server"
    if isinstance(exc, aiosmtplib.SMTPException):
        return f"SMTP: {_line(exc.message)}"
    return reason_for(exc, host=spec.host, timeout=spec.timeout)


def _line(message: str) -> str:
    """The first line of a server's message, cut to a readable length."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= _EXCERPT else line[:_EXCERPT] + "…"
