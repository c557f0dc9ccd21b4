"""`custode web` on PostgreSQL: requests leave no database connection behind."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection

from custode.server.tests.processes import custode_env, running, shared_database_url
from custode.testing.asgi_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def others() -> int:
    """Connections to this database but this test's own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def ask(url: str, times: int) -> None:
    for _ in range(times):
        request = urllib.request.Request(url, headers={"Authorization": "Bearer not-a-token"})
        try:
            urllib.request.urlopen(request, timeout=30).read()
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.read()  # the token was looked up in the database, and refused


def test_many_requests_at_once_leave_no_postgresql_connections_piling_up(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("on PostgreSQL: a SQLite file has no connections to run out of")
    port = free_port()
    before = others()
    with running("web", env=custode_env(tmp_path, port, database_url=shared_database_url())) as web:
        web.wait_for(r"Uvicorn running on", timeout=60)
        clients = [threading.Thread(target=ask, args=(f"http://127.0.0.1:{port}/api/v1/monitors", 15))
                   for _ in range(16)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        assert others() - before <= 3, "connections of finished requests are still open"
        assert web.stop() == 0
