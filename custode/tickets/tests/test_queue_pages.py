"""The queue read a page at a time by key: every ticket once, in the queue's order (due ones by due time, then
those without a clock by number), forwards, backwards and from the end, whatever the page size."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.lib.changes import Invalid
from custode.testing import factories
from custode.tickets import selectors, services

pytestmark = pytest.mark.django_db

NOW = dt.datetime.fromisoformat("2026-12-07T10:00+01:00")


@pytest.fixture
def numbers():
    """Nine tickets: six with a due time (two sharing it), three of a customer whose plan promises nothing."""
    factories.provider(timezone="Europe/Rome")
    factories.customer("acme", plan=factories.plan("always", first_response={"default": 3600}))
    factories.customer("free")
    for n, age in enumerate((10, 50, 30, 30, 5, 40)):
        services.ticket_open(customer="acme", subject=f"due {n}", body="x", now=NOW,
                             opened_at=NOW - dt.timedelta(minutes=age))
        if n == 2:
            services.ticket_open(customer="free", subject="free", body="x", now=NOW)
    services.ticket_open(customer="free", subject="free", body="x", now=NOW)
    services.ticket_open(customer="free", subject="free", body="x", now=NOW)
    return [t.number for t in selectors.queue()]


def walk(size: int, backwards: bool = False) -> list[int]:
    seen, page = [], selectors.queue_page(selectors.queue(), size, last=backwards)
    while True:
        seen += [t.number for t in page.rows][::-1] if backwards else [t.number for t in page.rows]
        more = page.has_previous if backwards else page.has_next
        if not more:
            return seen[::-1] if backwards else seen
        edge = page.rows[0] if backwards else page.rows[-1]
        page = selectors.queue_page(selectors.queue(), size, **{"before" if backwards else "after": edge.number})


def test_the_queue_order_is_due_time_then_tickets_without_a_clock_by_number(numbers):
    due = [t for t in selectors.queue() if t.next_due]
    assert [t.next_due for t in due] == sorted(t.next_due for t in due) and len(due) == 6
    assert numbers[6:] == [1004, 1008, 1009]


@pytest.mark.parametrize("size", [1, 2, 4, 9, 50])
def test_walking_the_queue_forwards_and_backwards_meets_every_ticket_once_in_order(numbers, size):
    assert walk(size) == numbers
    assert walk(size, backwards=True) == numbers


def test_filters_apply_to_every_page(numbers):
    rows = selectors.queue(customer="free")
    first = selectors.queue_page(rows, 2)
    assert [t.number for t in first.rows] == [1004, 1008] and first.has_next
    assert [t.number for t in selectors.queue_page(rows, 2, after=1008).rows] == [1009]


def test_an_unknown_ticket_number_is_invalid_naming_the_parameter(numbers):
    with pytest.raises(Invalid) as error:
        selectors.queue_page(selectors.queue(), 2, after=99999)
    assert error.value.field == "after"
