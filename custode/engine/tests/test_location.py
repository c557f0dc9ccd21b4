"""An engine checks the monitors whose locations name its own, and no other."""

from __future__ import annotations

import pytest

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def checked(monitor: Monitor) -> bool:
    return Monitor.objects.get(pk=monitor.pk).last_check_at is not None


def test_an_engine_checks_only_the_monitors_of_its_location(target):
    up = target([200])
    milan = factories.monitor(interval=1, spec={"url": up.url}, locations=["milan"])
    both = factories.monitor(interval=1, spec={"url": up.url}, locations=["madrid", "milan"])
    local = factories.monitor(interval=1, spec={"url": up.url})
    with running_engine(location="milan") as engine:
        wait_for(lambda: checked(milan) and checked(both), timeout=15)
        moved = Monitor.objects.get(pk=both.pk)
        moved.locations = ["madrid"]
        moved.save()
        wait_for(lambda: both.pk not in engine.monitors, timeout=15)
    assert not checked(local)
    assert set(engine.monitors) == {milan.pk}


def test_an_engine_starts_a_monitor_of_several_locations_from_its_own_locations_state(target):
    """The monitor is UP (the verdict), but milan last saw it down: milan's engine must see it come back."""
    from custode.results.models import LocationState

    up = target([200])
    both = factories.monitor(interval=1, spec={"url": up.url}, locations=["milan", "madrid"], state="up")
    LocationState.objects.create(monitor=both, location="milan", state="down", reason="connection refused")
    with running_engine(location="milan"):
        wait_for(lambda: LocationState.objects.get(monitor=both, location="milan").state == "up", timeout=15)
    assert Monitor.objects.get(pk=both.pk).state == "up"
