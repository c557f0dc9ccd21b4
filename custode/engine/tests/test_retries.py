"""Retries through the real engine against a real HTTP target on loopback."""

from __future__ import annotations

import http.server
import threading

import pytest

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.results.models import CheckResult, StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


class Target:
    """An HTTP server whose answers are given in advance: a list of statuses, the last one repeated."""

    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.served = 0
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = target.statuses[min(target.served, len(target.statuses) - 1)]
                target.served += 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target(request):
    made = []

    def make(statuses: list[int]) -> Target:
        made.append(Target(statuses))
        return made[-1]

    yield make
    for t in made:
        t.close()


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def test_a_target_that_fails_once_and_recovers_never_goes_down(target):
    flaky = target([500, 200])
    monitor = factories.monitor(type="http", interval=2, retries=1, spec={"url": flaky.url})
    with running_engine():
        wait_for(lambda: state(monitor) == "up", timeout=15)
    assert flaky.served >= 2
    assert list(StateChange.objects.values_list("to_state", flat=True)) == ["up"]
    assert CheckResult.objects.filter(monitor=monitor, status="down").count() == 1


def test_a_target_that_keeps_failing_goes_down_after_its_retries_with_the_reason(target):
    broken = target([503])
    monitor = factories.monitor(type="http", interval=2, retries=2, spec={"url": broken.url})
    with running_engine():
        wait_for(lambda: state(monitor) == "down", timeout=20)
    assert broken.served >= 3  # the first check and its two retries, at least
    change = StateChange.objects.get()
    assert (change.from_state, change.to_state) == ("unknown", "down")
    assert "503" in change.reason
