"""The TCP check against real listeners on loopback, one per way a service can answer or fail."""

from __future__ import annotations

from typing import Any

from custode.checks import tcp
from custode.checks.result import Result, Status
from custode.checks.tests.servers_net import NetPeers, run
from custode.checks.tests.servers_net import backlog_full_port, net_peers, refused_port  # noqa: F401 (fixtures)
from custode.monitors.specs import TcpSpec


def check(port: int, host: str = "127.0.0.1", **fields: Any) -> Result:
    spec = TcpSpec.model_validate({"id": "port", "type": "tcp", "host": host, "port": port, "timeout": "1s",
                                   **fields})
    return run(tcp.check(spec))


def test_an_open_port_is_up_with_a_latency(net_peers: NetPeers) -> None:
    result = check(net_peers.port["silent"])
    assert result.status == Status.UP, result.reason
    assert result.latency_ms is not None and result.latency_ms >= 0


def test_a_banner_containing_the_expected_text_is_up_and_kept_in_details(net_peers: NetPeers) -> None:
    result = check(net_peers.port["ssh"], expect="SSH-2.0")
    assert result.status == Status.UP, result.reason
    assert result.details["reply"] == "SSH-2.0-OpenSSH_9.6 custode-test"


def test_what_is_sent_gets_the_expected_answer(net_peers: NetPeers) -> None:
    result = check(net_peers.port["pong"], send="PING\r\n", expect="+PONG")
    assert result.status == Status.UP, result.reason
    assert result.details["reply"] == "+PONG"


def test_a_wrong_reply_is_down_showing_the_start_of_what_came(net_peers: NetPeers) -> None:
    result = check(net_peers.port["http_400"], expect="SSH-")
    assert (result.status, result.reason) == (
        Status.DOWN, "expected 'SSH-' in the reply, got 'HTTP/1.1 400 Bad Request'")


def test_a_wrong_answer_to_what_was_sent_is_down_showing_it(net_peers: NetPeers) -> None:
    result = check(net_peers.port["pong"], send="PONG\r\n", expect="+PONG")
    assert (result.status, result.reason) == (
        Status.DOWN, "expected '+PONG' in the reply, got '-ERR unknown command' within 1s")


def test_a_peer_hanging_up_before_replying_is_down(net_peers: NetPeers) -> None:
    result = check(net_peers.port["hang_up"], expect="SSH-")
    assert (result.status, result.reason) == (Status.DOWN, "connection closed before reply")


def test_sending_without_expecting_is_up_once_written(net_peers: NetPeers) -> None:
    result = check(net_peers.port["silent"], send="PING\r\n")
    assert result.status == Status.UP, result.reason
    assert "reply" not in result.details


def test_a_peer_that_never_replies_is_down_after_the_timeout(net_peers: NetPeers) -> None:
    result = check(net_peers.port["silent"], send="PING\r\n", expect="+PONG")
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 1s waiting for a reply")


def test_a_closed_port_is_down_with_connection_refused(refused_port: int) -> None:
    result = check(refused_port)
    assert (result.status, result.reason) == (Status.DOWN, "connection refused")


def test_a_connection_that_is_never_accepted_is_down_after_the_timeout(backlog_full_port: int) -> None:
    result = check(backlog_full_port, timeout="500ms")
    assert (result.status, result.reason) == (Status.DOWN, "timed out after 500ms")


def test_a_host_that_does_not_resolve_is_down_naming_it() -> None:
    result = check(80, host="no-such-host.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'no-such-host.invalid'")


def test_a_binary_reply_is_shown_printable_and_short(net_peers: NetPeers) -> None:
    result = check(net_peers.port["binary"], expect="SSH-")
    assert result.status == Status.DOWN
    shown = "\\x15\\x03\\x01\\x00\\x02\\x02F" + "x" * 33 + "…"  # 40 characters, escaped by repr
    assert result.reason == f"expected 'SSH-' in the reply, got '{shown}' within 1s"
