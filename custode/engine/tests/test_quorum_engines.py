"""Two `custode engine` processes of two locations on PostgreSQL judge one monitor together, by its quorum.

Location ``a`` checks from 127.0.0.2 and ``b`` from 127.0.0.3 (``--source-address``); the loopback target
answers the first and resets the connections of the second, as a site that one place cannot reach. A monitor
with a quorum of 2 stays UP and opens no incident; one with a quorum of 1 goes DOWN, its reason naming ``b``.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import struct
import threading

import pytest
from django.db import connection

from custode.engine.tests.harness import wait_for
from custode.incidents import processor
from custode.incidents.models import Incident
from custode.monitors.models import Monitor, State
from custode.results.models import LocationState, StateChange
from custode.server.tests.processes import Child, custode_env, shared_database_url
from custode.testing import factories
from custode.testing.asgi_server import free_port

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="engines of two locations on PostgreSQL")]

UNREACHABLE_FROM = "127.0.0.3"


class PickyTarget:
    """An HTTP server on loopback that answers 200, but resets every connection from UNREACHABLE_FROM."""

    def __init__(self) -> None:
        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address) -> bool:
                if client_address[0] != UNREACHABLE_FROM:
                    return True
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close: a reset
                return False

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = Server(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def two_locations(tmp_path):
    env = custode_env(tmp_path, database_url=shared_database_url())
    started = []
    try:
        for location, source in (("a", "127.0.0.2"), ("b", UNREACHABLE_FROM)):
            started.append(Child("engine", "--location", location, "--source-address", source, env=env))
        for child in started:
            child.wait_for(r'^\{"event": "engine.stats"', timeout=60)
        yield
    finally:
        for child in started:
            child.kill_group()


def drained() -> bool:
    """The incident processor run until idle, as the notifier would."""
    while processor.step():
        pass
    return not StateChange.objects.filter(processed_at=None).exists()


def seen_from_both(monitor: Monitor) -> bool:
    rows = dict(LocationState.objects.filter(monitor=monitor).values_list("location", "state"))
    return rows == {"a": State.UP, "b": State.DOWN}


def test_one_location_that_cannot_reach_a_site_opens_an_incident_only_with_a_quorum_of_one(tmp_path):
    target = PickyTarget()
    try:
        factories.provider()
        fields = {"type": "http", "interval": 1, "timeout": 2.0, "retries": 0, "locations": ["a", "b"],
                  "spec": {"url": target.url}}
        agreeing = factories.monitor("needs-two", asset=factories.asset("site-two"), quorum=2, **fields)
        alone = factories.monitor("needs-one", asset=factories.asset("site-one"), quorum=1, **fields)
        with two_locations(tmp_path):
            wait_for(lambda: seen_from_both(agreeing) and seen_from_both(alone), timeout=30)
            wait_for(lambda: Monitor.objects.get(pk=alone.pk).state == State.DOWN, timeout=10)
            checked = LocationState.objects.get(monitor=agreeing, location="b").last_check_at
            wait_for(lambda: LocationState.objects.get(monitor=agreeing, location="b").last_check_at
                     > checked, timeout=10)  # b found it failing again, and still no quorum
            assert wait_for(drained, timeout=10)
    finally:
        target.close()

    agreeing.refresh_from_db()
    alone.refresh_from_db()
    assert agreeing.state == State.UP
    assert not StateChange.objects.filter(monitor=agreeing, to_state=State.DOWN).exists()
    assert not Incident.objects.filter(monitors=agreeing).exists()

    assert alone.last_reason.startswith("down from b: ")
    down = StateChange.objects.get(monitor=alone, to_state=State.DOWN)
    # A reset reads as "connection closed by peer" or "server closed the connection without a response" as it
    # lands before or after the request: the change keeps the first check's reason, last_reason the latest one's.
    assert down.reason.startswith("down from b: ")
    assert Incident.objects.filter(monitors=alone, root_asset=alone.asset).exists()
