import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custode.assets.models import Asset
from custode.monitors.models import Monitor, State
from custode.testing import factories

pytestmark = pytest.mark.django_db

STATES = list(State.values)


def _world(monitors: int, customers: int, prefix: str) -> None:
    """MONITORS monitors spread over CUSTOMERS customers (two assets each) and the infrastructure."""
    owners = [None] + [factories.customer(f"{prefix}-c{i}") for i in range(customers)]
    assets = [Asset.objects.create(key=f"{prefix}-a{i}-{j}", customer=c, kind="server", name=f"srv-{j}")
              for i, c in enumerate(owners) for j in range(2)]
    Monitor.objects.bulk_create(
        Monitor(key=f"{prefix}-m{n:05}", asset=assets[n % len(assets)], type="ping", interval=60,
                state=STATES[n % len(STATES)], spec={"host": f"10.0.{n // 250}.{n % 250}"}, last_reason="x")
        for n in range(monitors)
    )


def _count_queries(client, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return len(queries), response


def test_dashboard_query_count_does_not_grow_with_monitors(staff_client):
    _world(5, customers=2, prefix="few")
    few, _ = _count_queries(staff_client)
    _world(145, customers=6, prefix="many")
    many, response = _count_queries(staff_client)
    assert len(response.context["page"].rows) == 100
    assert few == many


def test_filtered_dashboard_query_count_does_not_grow_with_monitors(staff_client):
    _world(5, customers=2, prefix="few")
    Monitor.objects.update(state="down")
    few, _ = _count_queries(staff_client, customer="few-c0", state="down")
    _world(150, customers=2, prefix="many")
    Monitor.objects.filter(key__startswith="many").update(asset=Asset.objects.get(key="few-a1-0"), state="down")
    many, response = _count_queries(staff_client, customer="few-c0", state="down")
    assert len(response.context["page"].rows) == 100
    assert few == many


def test_dashboard_queries_grow_with_assets_a_page_spans_not_with_monitors(staff_client):
    _world(10_000, customers=40, prefix="many")
    queries, response = _count_queries(staff_client)
    Monitor.objects.bulk_create(
        Monitor(key=f"more-{m.key}", asset_id=m.asset_id, type="ping", interval=60)
        for m in Monitor.objects.only("key", "asset_id"))
    doubled, response = _count_queries(staff_client)
    assert doubled == queries
    assert response.context["counts"]["total"] == 20_000
    assert response.content.decode().count('<tr class="monitor">') == 100
