"""Support hours that cannot be meant are refused by the API naming the part, and nothing is saved."""

from __future__ import annotations

import pytest

from custode.directory.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_refuses_hours_that_end_before_they_start_and_saves_nothing(write_client):
    answer = write_client.post("/plans", json={"id": "office", "support_hours": "mon-fri 18:00-09:00"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "support_hours"]
    assert '"18:00-09:00" ends before it starts' in answer.json()["detail"][0]["msg"]
    assert not Plan.objects.filter(key="office").exists()
