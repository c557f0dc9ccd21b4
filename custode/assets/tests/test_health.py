"""A component's state, from its monitors' states and impacts, its maintenance and its incidents."""

import pytest

from custode.assets.health import combined_state, component_state


def state(*monitors, in_maintenance=False, in_incident=False):
    return component_state(monitors, in_maintenance=in_maintenance, in_incident=in_incident)


def test_a_component_whose_monitors_are_up_is_up():
    assert state(("up", "outage"), ("up", "degraded")) == "up"


def test_a_down_outage_monitor_makes_the_component_down():
    assert state(("up", "outage"), ("down", "outage")) == "down"


def test_a_down_degraded_monitor_makes_the_component_degraded_not_down():
    assert state(("up", "outage"), ("down", "degraded")) == "degraded"


def test_a_down_job_monitor_does_not_change_the_component():
    assert state(("up", "outage"), ("down", "job")) == "up"
    assert state(("down", "outage"), ("down", "job")) == "down"
    assert state(("down", "job")) == "unknown"  # a failed job says nothing of whether the asset serves


def test_a_monitor_that_cannot_run_or_has_no_result_says_nothing_of_the_component():
    assert state(("up", "outage"), ("error", "outage")) == "up"
    assert state(("up", "outage"), ("unknown", "outage")) == "up"
    assert state(("down", "degraded"), ("error", "outage")) == "degraded"


@pytest.mark.parametrize("monitors", [(), (("unknown", "outage"),), (("error", "outage"),),
                                      (("paused", "outage"),), (("error", "outage"), ("unknown", "degraded"))])
def test_a_component_without_data_is_unknown_never_up(monitors):
    assert state(*monitors) == "unknown"


def test_a_component_in_an_active_incident_is_never_shown_operational():
    assert state(("up", "outage"), in_incident=True) == "degraded"
    assert state(in_incident=True) == "degraded"
    assert state(("error", "outage"), in_incident=True) == "degraded"
    assert state(("up", "outage"), in_maintenance=True, in_incident=True) == "degraded"


def test_a_component_in_an_incident_whose_monitors_are_down_is_down():
    assert state(("down", "outage"), in_incident=True) == "down"
    assert state(("down", "degraded"), in_incident=True) == "degraded"
    assert state(("down", "job"), ("up", "outage"), in_incident=True) == "degraded"


def test_maintenance_in_progress_outranks_the_monitors_outside_an_incident():
    assert state(("down", "outage"), in_maintenance=True) == "maintenance"
    assert state(in_maintenance=True) == "maintenance"
    assert state(("maintenance", "outage"), ("up", "outage")) == "maintenance"


def test_the_worst_monitor_wins():
    assert state(("down", "outage"), ("down", "degraded"), ("maintenance", "outage"), ("up", "outage")) == "down"
    assert state(("degraded", "outage"), ("up", "outage")) == "degraded"


@pytest.mark.parametrize(("states", "expected"), [
    (["up", "up"], "up"),
    (["up", "down", "degraded"], "down"),
    (["up", "degraded", "unknown"], "degraded"),
    (["up", "maintenance"], "maintenance"),
    (["unknown", "unknown"], "unknown"),
    (["up", "unknown"], "unknown"),  # not operational while a component has no data
])
def test_a_group_reads_its_components_by_the_same_rules(states, expected):
    assert combined_state(states) == expected
