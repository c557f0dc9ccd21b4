"""Storing a batch of heartbeat pings: one transaction and the same few statements, whatever its size.

The batch's tokens are checked in the transaction that stores it: the statement that marks the
monitors returns the push monitors it found, and only their pings are inserted. A token whose monitor
was removed, or is no longer ``push``, marks and stores nothing, so its ping is answered 404 at once
and the other pings of the batch are stored as usual. Nothing about tokens is remembered between
batches, so there is nothing to forget.

Each statement takes the batch as JSON parameters (``custode.lib.rowsets``), so its text is the same
for every batch: neither the database nor the driver parses SQL per ping. On PostgreSQL, marking and
inserting are one statement sent in autocommit, one round trip for the whole batch; on SQLite (3.35
or later, for ``UPDATE ... FROM`` and ``RETURNING``), two statements in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import connection, transaction

from custode.lib.rowsets import param, select
from custode.monitors.models import Monitor
from custode.results.models import Ping

# A ping as the recorder queues it: (token, kind, exit code or None, remote address, body).
PingRow = tuple[uuid.UUID, str, "int | None", str, str]

_BODY_KINDS = frozenset({"success", "fail", "log"})  # whose body is the job's output, kept on the monitor
_MONITORS = Monitor._meta.db_table
_PINGS = Ping._meta.db_table
_MARKS = ("token uuid", "kind text", "body text")  # per monitor: its last kind and output, or null
_ROWS = ("token uuid", "kind text", "code int", "remote text", "body text")  # per ping


_SET_LAST_PING = (
    f"last_ping_at = CASE WHEN marks.kind IS NULL THEN {_MONITORS}.last_ping_at ELSE %s END, "
    f"last_ping_kind = COALESCE(marks.kind, {_MONITORS}.last_ping_kind), "
    f"last_ping_body = COALESCE(marks.body, {_MONITORS}.last_ping_body) "
)
# "IS TRUE" keeps the index on type out of it: a monitor is found by its token's index, whatever the
# planner guesses of how many monitors are push (a fresh table has no statistics, and PostgreSQL then
# read every push monitor for each batch).
_PUSH_MONITOR = f"{_MONITORS}.push_token = marks.token AND ({_MONITORS}.type = 'push') IS TRUE"
_INSERT = f"INSERT INTO {_PINGS} (monitor_id, at, kind, exit_code, remote, body) "

# Parameters: marks, now, rows, now. Materialized, so that the batch is read once and each token looked
# up in the monitors' index, never the other way round.
_POSTGRES = (
    f"WITH marks AS MATERIALIZED ({select(_MARKS, 'postgresql')}), "
    f"marked AS (UPDATE {_MONITORS} SET {_SET_LAST_PING} FROM marks WHERE {_PUSH_MONITOR} "
    f"RETURNING {_MONITORS}.id, {_MONITORS}.push_token), "
    f"rows AS MATERIALIZED ({select(_ROWS, 'postgresql')}), "
    f"stored AS ({_INSERT} SELECT marked.id, %s, rows.kind, rows.code, rows.remote, rows.body "
    "FROM rows JOIN marked ON marked.push_token = rows.token ORDER BY rows.n) "
    "SELECT push_token FROM marked"
)
# Parameters: marks, now; then rows, now. CROSS JOIN makes SQLite read the batch first.
_SQLITE = (
    f"WITH marks AS MATERIALIZED ({select(_MARKS, 'sqlite')}) "
    f"UPDATE {_MONITORS} SET {_SET_LAST_PING} FROM marks WHERE {_PUSH_MONITOR} RETURNING {_MONITORS}.push_token",
    f"WITH rows AS MATERIALIZED ({select(_ROWS, 'sqlite')}) "
    f"{_INSERT} SELECT m.id, %s, rows.kind, rows.code, rows.remote, rows.body "
    f"FROM rows CROSS JOIN {_MONITORS} m WHERE m.push_token = rows.token AND m.type = 'push' ORDER BY rows.n",
)


def latest(pings: Sequence[PingRow]) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    """Each token's last state-moving kind (``fail:<code>`` for a nonzero exit code) and last output
    in the batch, None where the batch has none (a ``/log`` moves no state, a ``/start`` has no output)."""
    marks: dict[uuid.UUID, tuple[str | None, str | None]] = {}
    for token, kind, code, _, body in pings:
        last_kind, last_body = marks.get(token, (None, None))
        if kind != "log":
            last_kind = f"fail:{code}" if kind == "fail" and code else kind
        if kind in _BODY_KINDS:
            last_body = body
        marks[token] = (last_kind, last_body)
    return marks


def store_pings(pings: Sequence[PingRow]) -> set[uuid.UUID]:
    """Mark the monitors and store PINGS in one transaction; the tokens that named a push monitor.

    The monitors are marked first: on PostgreSQL that locks their rows, so none of them is removed
    before its pings are in.
    """
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.timezone.utc))
    marks = param((token.hex, kind, body) for token, (kind, body) in latest(pings).items())
    rows = param((token.hex, kind, code, remote, body) for token, kind, code, remote, body in pings)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # in autocommit, the one statement is the transaction
            cursor.execute(_POSTGRES, [marks, now, rows, now])
            found = cursor.fetchall()
    else:
        mark, insert = _SQLITE
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(mark, [marks, now])
            found = cursor.fetchall()
            cursor.execute(insert, [rows, now])
    to_uuid = Monitor._meta.get_field("push_token").to_python
    return {to_uuid(token) for token, in found}
