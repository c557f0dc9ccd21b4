"""A set of rows as one statement parameter: a JSON array of arrays, read back as a table.

A statement then has the same text however many rows it carries, so neither the driver nor the database
parses SQL per row, and no database limit on parameters per statement is ever reached (a VALUES list of
100,000 rows is hundreds of thousands of parameters). Both SQLite and PostgreSQL read JSON natively.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence


def select(columns: Sequence[str], vendor: str) -> str:
    """A SELECT of the rows of one parameter (see ``param``) as COLUMNS, each ``"name type"`` with the type
    as PostgreSQL names it (SQLite keeps JSON's own types), and ``n``, each row's place in the set."""
    named = [column.split() for column in columns]
    if vendor == "postgresql":
        picked = ", ".join(f"(value->>{i})::{kind} AS {name}" for i, (name, kind) in enumerate(named))
        return f"SELECT {picked}, n FROM json_array_elements(%s::json) WITH ORDINALITY AS e(value, n)"
    picked = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, (name, _) in enumerate(named))
    return f"SELECT {picked}, key AS n FROM json_each(%s)"


def param(rows: Iterable[Sequence]) -> str:
    """The parameter for ``select``: ROWS of JSON values (str, int, float, bool, None), in order."""
    return json.dumps(list(rows), ensure_ascii=False)
