"""The engine's database thread keeps one connection from batch to batch."""

from __future__ import annotations

import threading

import pytest
from django.db.backends.signals import connection_created
from django.utils import timezone

from custode.engine.tests.harness import running_engine, wait_for
from custode.results.models import Rollup
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_database_thread_opens_one_connection_for_many_batches():
    """Reopening it every batch (what SQLite's default of closing after each use did) parsed the schema again
    and started from a cold page cache: a sixth of the engine's CPU at 600 checks a second."""
    factories.monitor(type="push", interval=1, spec={"grace": "60s"}, last_ping_at=timezone.now(),
                      last_ping_kind="success")
    opened: list[str] = []

    def count(sender, connection, **kwargs):
        if threading.current_thread().name.startswith("custode-db"):
            opened.append(connection.alias)

    connection_created.connect(count)
    try:
        with running_engine(flush_every=0.05, reload_every=0.05):
            wait_for(lambda: Rollup.objects.filter(count__gte=3).exists())  # three batches written, 60 reloads
    finally:
        connection_created.disconnect(count)
    assert opened == ["default"]
