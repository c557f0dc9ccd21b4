"""A resource with no filters lists without any query: GET /api/v1/plans answered 422 ("where" is required)."""

import pytest

from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_plans_are_listed_with_no_query_at_all(read_client):
    factories.plan("basic")
    answer = read_client.get("/plans")
    assert answer.status_code == 200, answer.text
    assert [p["id"] for p in answer.json()["items"]] == ["basic"]


def test_the_openapi_document_asks_for_no_filter_object(read_client):
    parameters = read_client.get("/openapi.json").json()["paths"]["/api/v1/plans"]["get"].get("parameters", [])
    assert all(not p.get("required") for p in parameters)
