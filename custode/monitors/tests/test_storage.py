"""How monitors are stored for the engine, which rewrites every monitor at each check (migration 0005)."""

from __future__ import annotations

import pytest
from django.db import connection

from custode.monitors.models import Monitor

pytestmark = pytest.mark.django_db


def indexed_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Monitor._meta.db_table)
    return [c["columns"] for c in found.values() if c["index"] and not c["primary_key"]]


def test_no_index_is_only_the_prefix_of_another_so_a_state_change_writes_fewer():
    columns = indexed_columns()
    assert ["state"] not in columns and ["asset_id"] not in columns
    assert ["state", "key"] in columns and ["asset_id", "key"] in columns  # what serves those lookups


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a fill factor is PostgreSQL's")
def test_monitor_pages_keep_room_for_the_engines_updates_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Monitor._meta.db_table])
        assert "fillfactor=70" in cursor.fetchone()[0]
