"""Keyset (seek) pagination: a page is the rows just after, or just before, one row's place in the order.

The database finds that place by comparing sort keys, never by counting and skipping the rows before it
(``OFFSET``), so the last of 1,000 pages costs what the first does, and a row added or removed meanwhile
neither repeats nor skips a row on the next page. The order must be ascending and total (its last column
unique) on columns that are never NULL; a caller with NULLs sorts by a COALESCE annotation instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from custode.lib.changes import Invalid


@dataclass(frozen=True)
class Window:
    """One page of rows in order, and whether there are rows before and after it."""

    rows: list
    has_previous: bool
    has_next: bool


def beyond(order: Sequence[str], values: Sequence[Any], *, after: bool = True, inclusive: bool = False) -> Q:
    """Rows whose (ORDER...) tuple comes after (or before) VALUES: (a > x) OR (a = x AND b > y) OR ...;
    with INCLUSIVE, the row at VALUES too.

    The leading ``a >= x`` is implied by the rest; said on its own, it lets an index on ``a`` bound the scan.
    """
    op = "gt" if after else "lt"
    q = Q()
    for i, name in enumerate(order):
        compare = f"{op}e" if inclusive and i == len(order) - 1 else op
        q |= Q(**dict(zip(order[:i], values[:i])), **{f"{name}__{compare}": values[i]})
    return Q(**{f"{order[0]}__{op}e": values[0]}) & q


def seek(rows: QuerySet, order: Sequence[str], limit: int, *, key: Sequence[Any] | None = None,
         backwards: bool = False) -> list:
    """The ids of the first LIMIT rows of ROWS in ORDER (in reverse, BACKWARDS) after KEY, in one query."""
    if key is not None:
        rows = rows.filter(beyond(order, key, after=not backwards))
    return list(rows.order_by(*descending(order) if backwards else order).values_list("pk", flat=True)[:limit])


def descending(order: Sequence[str]) -> list[str]:
    return [f"-{name}" for name in order]


def window(rows: QuerySet, order: Sequence[str], size: int, *, after: Sequence[Any] | None = None,
           before: Sequence[Any] | None = None, last: bool = False, seeker: Callable = seek) -> Window:
    """SIZE rows of ROWS in ORDER: the first ones, those AFTER or BEFORE a row's sort key, or the LAST ones.

    SEEKER (``seek``, or one that knows a faster way for its rows) finds SIZE + 1 ids (the extra one only tells
    whether there is a further page); the rows are then read whole, so that a database that sorts to find them
    sorts narrow rows, not every column of each.
    """
    backwards = before is not None or last
    ids = seeker(rows, order, size + 1, key=before if backwards else after, backwards=backwards)
    more, ids = len(ids) > size, ids[:size]
    whole = rows.in_bulk(ids)
    found = [whole[pk] for pk in ids if pk in whole]  # one deleted meanwhile is left out
    if backwards:
        return Window(found[::-1], has_previous=more, has_next=not last)
    return Window(found, has_previous=after is not None, has_next=more)


def sort_key(row: Any, order: Sequence[str]) -> list:
    """ROW's values of ORDER, following ``a__b`` through related objects (load them with select_related)."""
    key = []
    for name in order:
        value = row
        for part in name.split("__"):
            value = getattr(value, part)
        key.append(value)
    return key


def encode(key: Sequence[str | int]) -> str:
    """A sort key of strings and integers as an opaque, URL-safe cursor."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, types: Sequence[type], *, name: str) -> list:
    """The sort key in CURSOR, checked against TYPES (one per column); Invalid naming the parameter NAME."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        key = None
    if not (isinstance(key, list) and len(key) == len(types)
            and all(type(value) is kind for value, kind in zip(key, types))):
        raise Invalid(name, f"{cursor[:40]!r} is not a cursor of this list; follow the page links, "
                            "or leave it out to start from the first page")
    return key
