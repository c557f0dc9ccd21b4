"""A plan's support hours: several ranges a day are kept in one normal form; hours that cannot be meant are
refused naming the part."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from custode.directory.specs import PlanSpec


def test_split_days_and_a_saturday_morning_are_kept_in_their_normal_form():
    spec = PlanSpec(id="office", support_hours="Mon-Fri 09:00-13:00  14:00-18:00,Sat 09:00-12:00")
    assert spec.support_hours == "mon-fri 09:00-13:00 14:00-18:00, sat 09:00-12:00"


def test_overlapping_hours_are_refused_naming_the_day_and_the_ranges():
    with pytest.raises(ValidationError) as caught:
        PlanSpec(id="office", support_hours="mon-fri 09:00-13:00 12:00-18:00")
    message = caught.value.errors()[0]["msg"]
    assert "mon: 09:00-13:00 overlaps 12:00-18:00" in message and "24/7" in message
