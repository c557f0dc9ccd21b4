"""The SMTP check against real servers on loopback: aiosmtpd with and without STARTTLS, and hand-written
peers that refuse, hang up, stay silent or speak another protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from custode.checks import smtp
from custode.checks.result import Result, Status
from custode.checks.tests.servers_net import NetPeers, run
from custode.checks.tests.servers_net import (  # noqa: F401 (fixtures)
    net_peers, refused_port, smtp_ca, smtp_server, smtp_starttls_server, trust_smtp_ca,
)
from custode.monitors.specs import SmtpSpec


def check(port: int, host: str = "127.0.0.1", **fields: Any) -> Result:
    spec = SmtpSpec.model_validate({"id": "mail", "type": "smtp", "host": host, "port": port, "timeout": "2s",
                                    **fields})
    return run(smtp.check(spec))


def test_a_server_greeting_with_220_is_up_with_its_banner_and_extensions(smtp_server: int) -> None:
    result = check(smtp_server)
    assert result.status == Status.UP, result.reason
    assert result.details["banner"] == "mx.custode.test ESMTP custode-test"
    assert {"size", "8bitmime", "smtputf8"} <= set(result.details["extensions"])
    assert "starttls" not in result.details["extensions"]
    assert "tls" not in result.details


def test_starttls_with_a_trusted_certificate_is_up_with_the_tls_version(
        smtp_starttls_server: int, trust_smtp_ca: None) -> None:
    result = check(smtp_starttls_server, starttls=True)
    assert result.status == Status.UP, result.reason
    assert result.details["tls"].startswith("TLSv1.")
    assert "starttls" not in result.details["extensions"]  # the EHLO after STARTTLS no longer offers it


def test_starttls_offered_but_not_asked_for_stays_plain(smtp_starttls_server: int) -> None:
    result = check(smtp_starttls_server)
    assert result.status == Status.UP, result.reason
    assert "starttls" in result.details["extensions"]
    assert "tls" not in result.details


def test_starttls_with_an_untrusted_certificate_is_down_naming_the_tls_problem(smtp_starttls_server: int) -> None:
    result = check(smtp_starttls_server, starttls=True)
    assert (result.status, result.reason) == (Status.DOWN, "TLS: certificate signed by an unknown authority")


def test_starttls_without_verification_accepts_an_untrusted_certificate(smtp_starttls_server: int) -> None:
    result = check(smtp_starttls_server, starttls=True, verify_tls=False)
    assert result.status == Status.UP, result.reason
    assert result.details["tls"].startswith("TLSv1.")


def test_a_starttls_check_has_closed_its_socket_when_it_returns(smtp_starttls_server: int) -> None:
    """A TLS close waits for the server's close_notify: the check waits too, or its loop may end first."""
    async def scenario() -> tuple[Result, int]:
        spec = SmtpSpec.model_validate({"id": "mail", "type": "smtp", "host": "127.0.0.1",
                                        "port": smtp_starttls_server, "starttls": True, "verify_tls": False})
        return await smtp.check(spec), open_sockets_to(smtp_starttls_server)

    result, still_open = run(scenario())
    assert result.status == Status.UP, result.reason
    assert still_open == 0


def open_sockets_to(port: int) -> int:
    """IPv4 TCP sockets towards PORT that some process still holds (a closed one has no inode)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        count += int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] != "0"
    return count


def test_starttls_asked_for_but_not_offered_is_down(smtp_server: int) -> None:
    result = check(smtp_server, starttls=True)
    assert (result.status, result.reason) == (Status.DOWN, "SMTP: STARTTLS not offered")


def test_a_banner_refusing_service_is_down_with_its_code_and_text(net_peers: NetPeers) -> None:
    result = check(net_peers.port["smtp_554"])
    assert (result.status, result.reason) == (
        Status.DOWN, "SMTP: banner 554 5.3.2 mx.custode.test has no SMTP service for you")


def test_another_protocol_on_the_port_is_down_quoting_what_it_said(net_peers: NetPeers) -> None:
    result = check(net_peers.port["http_400"])
    assert (result.status, result.reason) == (
        Status.DOWN, "SMTP: not an SMTP server, it said 'HTTP/1.1 400 Bad Request'")


def test_a_server_hanging_up_before_the_banner_is_down(net_peers: NetPeers) -> None:
    result = check(net_peers.port["hang_up"])
    assert (result.status, result.reason) == (Status.DOWN, "SMTP: connection closed before the banner")


def test_a_server_that_never_greets_is_down_after_the_timeout(net_peers: NetPeers) -> None:
    result = check(net_peers.port["silent"], timeout="500ms")
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_closed_port_is_down_with_connection_refused(refused_port: int) -> None:
    result = check(refused_port)
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_host_that_does_not_resolve_is_down_naming_it() -> None:
    result = check(25, host="no-such-host.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'no-such-host.invalid'")
