"""The staff queue a page at a time: its Next link carries the last ticket's number and the page after it starts
right there; a position that names no ticket is a 400 saying so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from custode.testing import factories
from custode.tickets import services
from custode.web import ticket_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world, monkeypatch):
    monkeypatch.setattr(ticket_views, "PAGE_SIZE", 2)
    factories.provider(timezone="Europe/Rome")
    for n in range(5):
        services.ticket_open(customer="studio-bianchi", subject=f"Request {n}", body="x", now=timezone.now())


def subjects(html: str) -> list[str]:
    return re.findall(r">(Request \d)</a>", html)


def test_the_next_link_walks_the_queue_to_its_end(staff_client, many):
    seen, path = [], reverse("tickets")
    while path:
        html = staff_client.get(path).content.decode()
        seen += subjects(html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        path = reverse("tickets") + found.group(1).replace("&amp;", "&") if found else None
    assert seen == [f"Request {n}" for n in range(5)]


def test_the_last_page_holds_the_queue_s_end(staff_client, many):
    html = staff_client.get(reverse("tickets"), {"last": "1"}).content.decode()
    assert subjects(html) == ["Request 3", "Request 4"] and 'rel="prev"' in html


@pytest.mark.parametrize("query", [{"after": "99999"}, {"before": "x"}])
def test_a_position_that_names_no_ticket_is_a_400_saying_so(staff_client, many, query):
    answer = staff_client.get(reverse("tickets"), query)
    assert answer.status_code == 400
    assert (f"{next(iter(query))}: " in answer.content.decode())
