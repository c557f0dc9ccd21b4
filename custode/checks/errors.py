"""Low-level errors mapped to the most specific reason a person can act on.

    OSError
      ConnectionRefusedError        -> "connection refused"
      ConnectionResetError          -> "connection reset by peer"
      socket.gaierror               -> "DNS: cannot resolve 'host'"
      ssl.SSLCertVerificationError  -> "TLS: certificate has expired" / "TLS: self-signed certificate" / ...
      ssl.SSLError                  -> "TLS: handshake failed (...)"
      other OSError                 -> "network unreachable", "no route to host", or the OS's words
    TimeoutError                    -> "timed out after 10s"

Checks catch what they expect and call ``reason_for``; the engine calls it too for anything a check
let escape, so no failure is ever shown as a bare traceback.
"""

from __future__ import annotations

import errno
import socket
import ssl

from custode.lib import durations

_ERRNO = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by peer",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
    errno.ETIMEDOUT: "connection timed out",
    errno.EPIPE: "connection closed by peer",
}


def reason_for(exc: BaseException, *, host: str | None = None, timeout: float | None = None) -> str:
    if isinstance(exc, TimeoutError) and exc.errno == errno.ETIMEDOUT:
        return _ERRNO[errno.ETIMEDOUT]  # the kernel gave up connecting, not our deadline
    if isinstance(exc, TimeoutError):
        return f"timed out after {durations.format(timeout)}" if timeout else "timed out"
    if isinstance(exc, socket.gaierror):
        return f"DNS: cannot resolve {host!r}" if host else "DNS: cannot resolve the host"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: {_cert_problem(exc, host)}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: handshake failed ({exc.reason or exc.__class__.__name__})"
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    if isinstance(exc, (ConnectionError, EOFError)):
        return "connection closed by peer"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"check failed: {exc.__class__.__name__}: {exc}".rstrip(": ")


# OpenSSL's X509_V_ERR_* codes; its own wording varies between versions ("self signed" / "self-signed").
_VERIFY_CODES = {
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in the chain",
    20: "certificate signed by an unknown authority",
    21: "certificate signed by an unknown authority",
}
_HOSTNAME_MISMATCH = 62


def _cert_problem(exc: ssl.SSLCertVerificationError, host: str | None) -> str:
    if exc.verify_code in _VERIFY_CODES:
        return _VERIFY_CODES[exc.verify_code]
    message = (exc.verify_message or str(exc)).strip()
    if exc.verify_code == _HOSTNAME_MISMATCH or "Hostname mismatch" in message or "doesn't match" in message:
        return f"certificate is not valid for {host!r}" if host else "certificate does not match the host name"
    return f"certificate {message}" if not message.startswith("certificate") else message
