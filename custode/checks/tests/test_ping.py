"""The ping check with real ICMP: loopback answers, a TEST-NET address does not, and a process that may
open neither kind of ICMP socket (a real unprivileged child process) gets a clear reason instead of a crash.
Hundreds of pings at once, as the engine runs them, all get every reply and share one socket.

203.0.113.1 (TEST-NET-3) stands for a host that does not answer: 192.0.2.1 cannot, since some CI machines
and sandboxes use TEST-NET-1 for their own network (this one's gateway is 192.0.2.1).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import uvloop

from custode.checks import ping
from custode.checks.result import Result, Status
from custode.checks.tests.servers_net import run
from custode.monitors.specs import PingSpec

SILENT_ADDRESS = "203.0.113.1"
NOBODY = 65534
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}  # the tests' and the engine's
CONCURRENT_PINGS = 300  # a few seconds here; before one socket was shared, 2 of 3 echoes were lost
REPO = Path(__file__).resolve().parents[3]

# Runs in a child process: import everything, drop to nobody, then ping (an import after the drop could fail
# on files only root may read).
_AS_NOBODY = f"""
import asyncio, json, os
from custode.checks import ping
from custode.monitors.specs import PingSpec
spec = PingSpec.model_validate({{"id": "gw", "type": "ping", "host": "127.0.0.1", "timeout": "1s"}})
os.setgroups([])
os.setgid({NOBODY})
os.setuid({NOBODY})
result = asyncio.run(ping.check(spec))
print(json.dumps({{"available": ping.ping_available(), "status": result.status, "reason": result.reason}}))
"""


def check(host: str, timeout: str = "1s") -> Result:
    return run(ping.check(PingSpec.model_validate({"id": "gw", "type": "ping", "host": host, "timeout": timeout})))


@pytest.fixture
def may_ping() -> None:
    if ping.ping_available() is not None:
        pytest.skip("this process may not send pings (not root, and ping_group_range excludes its groups)")


def test_ping_available_says_nothing_when_pinging_works(may_ping: None) -> None:
    assert ping.ping_available() is None


def test_loopback_is_up_with_its_round_trip_as_latency(may_ping: None) -> None:
    result = check("127.0.0.1", timeout="2s")
    assert result.status == Status.UP, result.reason
    assert result.latency_ms is not None and 0 <= result.latency_ms < 100
    assert result.details == {"address": "127.0.0.1", "sent": 3, "received": 3}


def test_a_name_is_resolved_before_pinging(may_ping: None) -> None:
    result = check("localhost")
    assert result.status == Status.UP, result.reason
    assert result.details["address"] in ("127.0.0.1", "::1")


def test_an_address_that_does_not_answer_is_down_within_the_timeout(may_ping: None) -> None:
    started = time.monotonic()
    result = check(SILENT_ADDRESS, timeout="1s")
    assert (result.status, result.reason) == (Status.DOWN, f"no reply to ping from {SILENT_ADDRESS}")
    assert result.details["received"] == 0
    assert time.monotonic() - started < 1.5


def test_a_host_that_does_not_resolve_is_down_naming_it(may_ping: None) -> None:
    result = check("no-such-host.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve 'no-such-host.invalid'")


def test_without_permission_to_ping_the_check_is_down_saying_how_to_allow_it() -> None:
    if ping.ping_available() is not None:  # this process already lacks the permission: test it here
        result = check("127.0.0.1")
        assert (result.status, result.reason) == (Status.DOWN, ping.NOT_PERMITTED)
        return
    if os.geteuid() != 0:
        pytest.skip("pinging is allowed here, and only root can start a process that may not")
    low, high = map(int, Path("/proc/sys/net/ipv4/ping_group_range").read_text().split())
    if low <= NOBODY <= high:
        pytest.skip("ping_group_range lets even nobody ping on this machine")
    answer = subprocess.run([sys.executable, "-c", _AS_NOBODY], cwd=REPO, capture_output=True, text=True,
                            timeout=60, check=True)
    assert json.loads(answer.stdout) == {"available": ping.NOT_PERMITTED, "status": "down",
                                         "reason": ping.NOT_PERMITTED}


async def _ping_many(count: int) -> tuple[list[Result], int]:
    """COUNT loopback addresses pinged at once, and the most sockets the pings had open at a time."""
    specs = [PingSpec.model_validate({"id": f"lo{i}", "type": "ping", "host": f"127.0.{i // 250}.{i % 250 + 1}",
                                      "timeout": "5s"}) for i in range(count)]
    before = _open_sockets()
    pings = asyncio.gather(*(ping.check(spec) for spec in specs))
    sockets = 0
    while not pings.done():
        sockets = max(sockets, _open_sockets() - before)
        await asyncio.wait([pings], timeout=0.05)
    assert _open_sockets() <= before, "the pings left sockets open"
    return list(pings.result()), sockets


def _open_sockets() -> int:
    kinds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            kinds.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:
            continue  # the directory listing's own descriptor, closed by now
    return sum(1 for kind in kinds if kind.startswith("socket:"))


@pytest.mark.parametrize("loop", LOOPS)
def test_hundreds_of_pings_at_once_all_get_every_reply_through_one_socket(may_ping: None, loop: str) -> None:
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        results, sockets = runner.run(_ping_many(CONCURRENT_PINGS))
    down = [r.reason for r in results if r.status != Status.UP]
    lossy = [r.details for r in results if r.status == Status.UP and r.details["received"] < r.details["sent"]]
    assert (len(down), len(lossy)) == (0, 0), f"of {len(results)}: {len(down)} down, {len(lossy)} lost echoes, " \
                                                f"e.g. {down[:2]} {lossy[:2]}"
    assert all(r.details["sent"] == 3 for r in results)
    assert sockets <= 1, f"{sockets} sockets for {CONCURRENT_PINGS} pings"
