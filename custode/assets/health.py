"""A component's (an asset's) state as its readers see it: one rule for every page and document.

The status pages (public and private), their JSON and badges read a component's state here (the Atom feed and
the e-mails name affected services without a state), and a group is summed up from its components' states
here, so no reader can say "operational" where another says "outage".
"""

from __future__ import annotations

from collections.abc import Iterable

from custode.monitors.models import Impact, State

UP, DEGRADED, DOWN, MAINTENANCE, UNKNOWN = State.UP, State.DEGRADED, State.DOWN, State.MAINTENANCE, State.UNKNOWN

# Worst first. A component's monitors, and a group's components, are read together as the worst of them.
_ORDER = (DOWN, DEGRADED, MAINTENANCE, UP)


def monitor_says(state: str, impact: str) -> str | None:
    """What one non-paused monitor in STATE, whose failure means IMPACT, says of its asset; None for nothing.

    A failure of an ``outage`` monitor: the asset is down; of a ``degraded`` one: it is degraded; of a ``job``
    (a heartbeat, a backup): a task failed, which tells nothing about whether the asset serves. ``unknown``,
    ``error`` (Custode cannot run the check) and ``paused`` tell nothing either.
    """
    if state in (DOWN, DEGRADED):
        if impact == Impact.JOB:
            return None
        return DOWN if state == DOWN and impact == Impact.OUTAGE else DEGRADED
    if state in (UP, MAINTENANCE):
        return state
    return None


def component_state(monitors: Iterable[tuple[str, str]], *, in_maintenance: bool, in_incident: bool) -> str:
    """up, degraded, down, maintenance or unknown (no data) for an asset whose non-paused MONITORS are
    (state, impact) pairs; IN_MAINTENANCE when a window covering it is in progress, IN_INCIDENT when an
    active incident that its reader has been told of covers it.

    A component in an incident is never up: at least degraded, down when its monitors say so.
    """
    said = {s for s in (monitor_says(state, impact) for state, impact in monitors) if s is not None}
    worst = next((s for s in _ORDER if s in said), UNKNOWN)
    if in_incident:
        return DOWN if worst == DOWN else DEGRADED
    if in_maintenance:
        return MAINTENANCE
    return worst


def combined_state(states: Iterable[str]) -> str:
    """Several components' STATES read together (a group): the worst problem among them (down, degraded,
    maintenance); else up when every one is up; else unknown (some or all without data)."""
    states = set(states)
    problem = next((s for s in (DOWN, DEGRADED, MAINTENANCE) if s in states), None)
    if problem is not None:
        return problem
    return UP if states == {UP} else UNKNOWN
