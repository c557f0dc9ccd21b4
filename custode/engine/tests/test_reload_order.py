"""The engine's reload loads every committed edit, whatever order edits commit in.

Two writers on their own database connections: the first edits a monitor and holds its transaction open, the
second edits another and tries to commit, the engine reloads in between, then the first commits. With a
high-water mark on ``updated_at``, the first edit (an earlier time, committed later) was never loaded.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import connection, connections, transaction

from custode.engine.engine import Engine
from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _edit(pk: int, interval: int, *, written: threading.Event | None = None,
          release: threading.Event | None = None) -> None:
    """Change monitor PK's interval on this thread's own connection, holding the transaction until RELEASE."""
    try:
        with transaction.atomic():
            monitor = Monitor.objects.get(pk=pk)
            monitor.interval = interval
            monitor.save()
            if written:
                written.set()
            if release:
                assert release.wait(20)
    finally:
        connection.close()


def test_an_edit_committed_after_a_later_edit_is_still_loaded():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's test database is shared memory, where a second writer fails instead of waiting")
    first, second = factories.monitor(interval=60), factories.monitor(interval=60)
    engine = Engine(emit=lambda line: None)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(engine.reload())
        written, release = threading.Event(), threading.Event()
        slow = threading.Thread(target=_edit, args=(first.pk, 120), kwargs=dict(written=written, release=release))
        slow.start()
        assert written.wait(10)
        quick = threading.Thread(target=_edit, args=(second.pk, 300))
        quick.start()
        quick.join(2)  # commits at once unless monitor writes wait for the open one
        loop.run_until_complete(engine.reload())
        release.set()
        slow.join(20)
        quick.join(20)
        loop.run_until_complete(engine.reload())

        assert engine.monitors[second.pk].interval == 300
        assert engine.monitors[first.pk].interval == 120, "the edit that committed last was never loaded"
    finally:
        release.set()
        loop.run_until_complete(engine._db(connections.close_all))
        engine.db.shutdown(wait=True)
        loop.close()


def test_an_edit_through_the_config_file_or_a_save_is_loaded_once():
    monitor = factories.monitor(interval=60)
    engine = Engine(emit=lambda line: None)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(engine.reload())
        monitor.interval = 90
        monitor.save(update_fields=["interval", "updated_at"])
        loop.run_until_complete(engine.reload())
        assert engine.monitors[monitor.pk].interval == 90
        generation = engine.monitors[monitor.pk].generation
        Monitor.objects.filter(pk=monitor.pk).update(state="down")  # the engine's own kind of write: no reload
        loop.run_until_complete(engine.reload())
        assert engine.monitors[monitor.pk].generation == generation
    finally:
        loop.run_until_complete(engine._db(connections.close_all))
        engine.db.shutdown(wait=True)
        loop.close()
