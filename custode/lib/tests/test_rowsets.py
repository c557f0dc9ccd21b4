"""A set of rows sent as one parameter comes back as a table, in order, with its types and nulls."""

from __future__ import annotations

import pytest
from django.db import connection

from custode.lib.rowsets import param, select

pytestmark = pytest.mark.django_db


def test_rows_come_back_in_order_with_their_types_and_nulls():
    rows = [("a1b2", 3, "it's \\ \"quoted\" ✓"), ("c3d4", None, None), ("e5f6", 0, "")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, code, note, n FROM ({select(['name text', 'code int', 'note text'], connection.vendor)}) "
                       "AS v ORDER BY n", [param(rows)])
        got = cursor.fetchall()
    assert [row[:3] for row in got] == rows
    assert [row[3] for row in got] == sorted(row[3] for row in got)


def test_a_set_of_no_rows_is_an_empty_table():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({select(['name text'], connection.vendor)}) AS v", [param([])])
        assert cursor.fetchone() == (0,)
