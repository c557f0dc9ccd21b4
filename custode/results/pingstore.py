"""Storing a batch of heartbeat pings: three statements per batch, whatever its size.

The batch's tokens are checked in the transaction that stores it: the statement that marks the
monitors returns the tokens of push monitors, and the pings are inserted joined with the monitors.
A token whose monitor was removed, or is no longer ``push``, marks and stores nothing, so its ping is
answered 404 at once and the other pings of the batch are stored as usual. Nothing about tokens is
remembered between batches, so there is nothing to forget.

Each statement takes the batch as one JSON parameter (an array of arrays), so its text is the same
for every batch: the database and the driver parse no per-ping SQL. SQLite needs 3.35 or later
(``UPDATE ... FROM`` and ``RETURNING``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence

from django.db import connection

from custode.monitors.models import Monitor
from custode.results.models import Ping

# A ping as the recorder queues it: (token, kind, exit code or None, remote address, body).
PingRow = tuple[uuid.UUID, str, "int | None", str, str]

_BODY_KINDS = frozenset({"success", "fail", "log"})  # whose body is the job's output, kept on the monitor
_MONITORS = Monitor._meta.db_table


def _rows(*columns: str) -> dict[str, str]:
    """For each database, a ``WITH v`` of the rows of one JSON parameter, an array of arrays, as COLUMNS
    ("name type", the type as PostgreSQL names it).

    Materialized, so that SQLite reads the batch once and looks each token up in the monitors' index
    rather than reading the batch once per push monitor.
    """
    named = [column.split() for column in columns]
    postgres = ", ".join(f"(value->>{i})::{kind} AS {name}" for i, (name, kind) in enumerate(named))
    sqlite = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, (name, _) in enumerate(named))
    return {"postgresql": f"WITH v AS MATERIALIZED (SELECT {postgres} FROM json_array_elements(%s::json))",
            "sqlite": f"WITH v AS MATERIALIZED (SELECT {sqlite} FROM json_each(%s))"}


_MARK = {vendor: (
    f"{rows} UPDATE {_MONITORS} SET "
    f"last_ping_at = CASE WHEN v.kind IS NULL THEN {_MONITORS}.last_ping_at ELSE %s END, "
    f"last_ping_kind = COALESCE(v.kind, {_MONITORS}.last_ping_kind), "
    f"last_ping_body = COALESCE(v.body, {_MONITORS}.last_ping_body) "
    f"FROM v WHERE {_MONITORS}.push_token = v.token AND {_MONITORS}.type = 'push' "
    f"RETURNING {_MONITORS}.push_token"
) for vendor, rows in _rows("token uuid", "kind text", "body text").items()}

_INSERT = {vendor: (
    f"{rows} INSERT INTO {Ping._meta.db_table} (monitor_id, at, kind, exit_code, remote, body) "
    f"SELECT m.id, %s, v.kind, v.code, v.remote, v.body "
    f"FROM v CROSS JOIN {_MONITORS} m WHERE m.push_token = v.token AND m.type = 'push'"
) for vendor, rows in _rows("token uuid", "kind text", "code int", "remote text", "body text").items()}


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
    """Mark the monitors and store PINGS, in the caller's transaction; the tokens that named a push monitor.

    The monitors are marked first: on PostgreSQL that locks their rows, so none of them can be removed
    before the pings joined with them are inserted.
    """
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.timezone.utc))
    marks = json.dumps([(token.hex, kind, body) for token, (kind, body) in latest(pings).items()])
    rows = json.dumps([(token.hex, kind, code, remote, body) for token, kind, code, remote, body in pings])
    to_uuid = Monitor._meta.get_field("push_token").to_python
    with connection.cursor() as cursor:
        cursor.execute(_MARK[connection.vendor], [marks, now])
        found = {to_uuid(token) for token, in cursor.fetchall()}
        cursor.execute(_INSERT[connection.vendor], [rows, now])
    return found
