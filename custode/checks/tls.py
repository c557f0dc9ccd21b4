"""TLS certificate check: verified as a browser would, then judged by the time it has left.

DOWN when verification fails, each failure in its own words ("TLS certificate expired 3 days ago
(2026-11-21)", "TLS certificate is for 'www.example.com', not 'mail.example.com'"); DEGRADED within
``warn_before`` of expiry; UP otherwise. Details: expires_at, days_left, issuer, subject.

After a failed verification the certificate is fetched a second time without verification: the
handshake error names no dates and no names, the certificate does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from custode.checks import httpclient, source
from custode.checks.errors import reason_for
from custode.checks.result import Result
from custode.monitors.specs import TlsSpec

_EXPIRED, _NOT_YET_VALID, _SELF_SIGNED, _SELF_SIGNED_CHAIN, _NO_ISSUER, _NO_ISSUER_LEAF = 10, 9, 18, 19, 20, 21
_HOSTNAME_MISMATCH = 62


async def check(spec: TlsSpec) -> Result:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            der, rejection = await _fetch(spec.host, spec.port)
    except (OSError, TimeoutError) as e:
        return Result.down(reason_for(e, host=spec.host, timeout=spec.timeout))
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    cert = x509.load_der_x509_certificate(der)
    if rejection is not None:
        return Result.down(_rejected(rejection, cert, spec.host), latency_ms, **describe(cert))
    return _judge(cert, spec.warn_before, latency_ms)


async def peer_certificate(host: str, port: int, *, verify: bool, ssl_context: ssl.SSLContext | None = None) -> bytes:
    """The server's certificate (DER) from a TLS handshake with HOST (also the SNI name)."""
    loop = asyncio.get_running_loop()
    context = ssl_context or httpclient.client_context(verify, http=False)
    transport, _ = await loop.create_connection(asyncio.Protocol, host, port, ssl=context, server_hostname=host,
                                                local_addr=source.local_addr())
    try:
        ssl_object: ssl.SSLObject = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
    finally:
        transport.abort()
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


async def _fetch(host: str, port: int) -> tuple[bytes, ssl.SSLCertVerificationError | None]:
    """The certificate, and the verification error when it was rejected."""
    try:
        return await peer_certificate(host, port, verify=True), None
    except ssl.SSLCertVerificationError as e:
        rejection = e
    try:
        return await peer_certificate(host, port, verify=False), rejection
    except OSError:
        raise rejection from None


def _judge(cert: x509.Certificate, warn_before: int, latency_ms: float) -> Result:
    expires = cert.not_valid_after_utc
    left = (expires - dt.datetime.now(dt.UTC)).total_seconds()
    if left <= 0:
        return Result.down(f"TLS certificate expired {_span(left)} ago ({expires:%Y-%m-%d})", latency_ms,
                           **describe(cert))
    if left <= warn_before:
        return Result.degraded(f"TLS certificate expires in {_span(left)} ({expires:%Y-%m-%d})", latency_ms,
                               **describe(cert))
    return Result.up(latency_ms, **describe(cert))


def _rejected(error: ssl.SSLCertVerificationError, cert: x509.Certificate, host: str) -> str:
    code = error.verify_code
    if code == _EXPIRED:
        expires = cert.not_valid_after_utc
        ago = (dt.datetime.now(dt.UTC) - expires).total_seconds()
        return f"TLS certificate expired {_span(ago)} ago ({expires:%Y-%m-%d})"
    if code == _NOT_YET_VALID:
        return f"TLS certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
    if code in (_SELF_SIGNED, _SELF_SIGNED_CHAIN):
        return "TLS certificate is self-signed"
    if code in (_NO_ISSUER, _NO_ISSUER_LEAF):
        return f"TLS certificate is not trusted: issued by {_name(cert.issuer)!r}, an unknown authority"
    if code == _HOSTNAME_MISMATCH:
        return f"TLS certificate is for {', '.join(map(repr, _names(cert))) or 'no name'}, not {host!r}"
    return f"TLS certificate rejected: {error.verify_message or error.reason or error}"


def describe(cert: x509.Certificate) -> dict[str, Any]:
    left = (cert.not_valid_after_utc - dt.datetime.now(dt.UTC)).total_seconds()
    return {
        "expires_at": cert.not_valid_after_utc.isoformat(),
        "days_left": round(left / 86400),
        "issuer": _name(cert.issuer),
        "subject": _name(cert.subject),
    }


def _name(name: x509.Name) -> str:
    """The common name, else the organisation (what people recognise), else the whole name."""
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attributes = name.get_attributes_for_oid(oid)
        if attributes:
            return str(attributes[0].value)
    return name.rfc4514_string()


def _names(cert: x509.Certificate) -> list[str]:
    """The host names (and addresses) the certificate is valid for, at most three."""
    try:
        alternatives = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [_name(cert.subject)][:3]
    names = alternatives.get_values_for_type(x509.DNSName)
    addresses = [str(address) for address in alternatives.get_values_for_type(x509.IPAddress)]
    return (names + addresses)[:3]


def _span(seconds: float) -> str:
    """'5 days', '1 day', '7 hours': the nearest whole days, or hours below a day."""
    days = round(abs(seconds) / 86400)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(abs(seconds) / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"
