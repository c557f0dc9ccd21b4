"""The TLS certificate check against real HTTPS servers on loopback, one per kind of certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from custode.checks import tls
from custode.checks.result import Result, Status
from custode.checks.tests.servers_http import *  # noqa: F403 (fixtures)
from custode.checks.tests.servers_http import run
from custode.monitors.specs import TlsSpec


def check(url_or_host: str, **fields: Any) -> Result:
    parts = urlsplit(url_or_host)
    host, port = (parts.hostname, parts.port) if parts.scheme else (url_or_host, 443)
    spec = TlsSpec.model_validate({"id": "cert", "type": "tls", "host": host, "port": port, **fields})
    return run(tls.check(spec))


def in_days(days: int) -> str:
    return f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=days):%Y-%m-%d}"


def test_a_valid_certificate_is_up_with_its_expiry_issuer_and_subject(https_server: str, trust_test_ca: None) -> None:
    result = check(https_server)
    assert result.status == Status.UP, result.reason
    assert result.details["issuer"] == "Custode Test CA"
    assert result.details["subject"]
    assert result.details["days_left"] > 300
    assert dt.datetime.fromisoformat(result.details["expires_at"]) > dt.datetime.now(dt.UTC)


def test_a_certificate_expiring_within_warn_before_is_degraded_with_days_and_date(
        expiring_server: str, trust_test_ca: None) -> None:
    result = check(expiring_server, warn_before="14d")
    assert (result.status, result.reason) == (Status.DEGRADED, f"TLS certificate expires in 5 days ({in_days(5)})")
    assert result.details["days_left"] == 5


def test_a_certificate_expiring_after_warn_before_is_up(expiring_server: str, trust_test_ca: None) -> None:
    assert check(expiring_server, warn_before="3d").status == Status.UP


def test_an_expired_certificate_is_down_saying_how_long_ago(expired_server: str, trust_test_ca: None) -> None:
    result = check(expired_server)
    assert (result.status, result.reason) == (Status.DOWN, f"TLS certificate expired 3 days ago ({in_days(-3)})")
    assert result.details["days_left"] == -3


def test_a_self_signed_certificate_is_down(self_signed_server: str, trust_test_ca: None) -> None:
    result = check(self_signed_server)
    assert (result.status, result.reason) == (Status.DOWN, "TLS certificate is self-signed")
    assert result.details["subject"] == "localhost"


def test_a_certificate_for_another_name_is_down_naming_both(wrong_host_server: str, trust_test_ca: None) -> None:
    result = check(wrong_host_server)
    assert (result.status, result.reason) == (
        Status.DOWN, "TLS certificate is for 'www.studio-bianchi.example', not 'localhost'")


def test_a_certificate_from_an_unknown_authority_is_down_naming_the_issuer(
        untrusted_server: str, trust_test_ca: None) -> None:
    result = check(untrusted_server)
    assert result.status == Status.DOWN
    assert result.reason == "TLS certificate is not trusted: issued by 'Stranger CA', an unknown authority"


def test_nobody_listening_is_connection_refused(refused_port: int) -> None:
    result = check(f"https://127.0.0.1:{refused_port}")
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    result = check("nohost.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'nohost.invalid'")


def test_a_server_that_never_completes_the_handshake_times_out(http_server: str) -> None:
    """The plain-HTTP server reads the ClientHello as a request head and waits for more."""
    result = check(http_server, timeout="300ms")
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 300ms")

