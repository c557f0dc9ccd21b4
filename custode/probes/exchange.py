"""What the server gives a probe and takes from it: its location's monitors, and its batches of results.

A probe's batch is stored by ``custode.engine.store.write``, as a local engine's is (``_write``): results,
state changes, incidents and /metrics cannot tell them apart. Its id is a row in the same transaction, so a
batch posted again (its answer was lost) is acknowledged and not stored twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from custode.checks.registry import ACTIVE_TYPES
from custode.engine import store
from custode.monitors.models import Monitor
from custode.probes.models import Probe, ProbeBatch

KEEP_BATCHES = dt.timedelta(days=7)  # how long a batch's id is remembered: far past any probe's retries
PRUNE_EVERY = 3600.0  # seconds between prunings of old batch ids, in each web process
_pruned = [float("-inf")]


def probe_monitors(*, probe: Probe, since: str | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The monitors the probe checks (its location's, of the types a check runs for) as the engine loads them,
    unless SINCE is the version it has; the assets in maintenance now, always (a window starts by the clock)."""
    version = ":".join("" if part is None else str(part) for part in store.fingerprint())
    answer: dict[str, Any] = {"location": probe.name, "version": version, "monitors": None, "upstream": None,
                              "maintenance": sorted(store.assets_in_maintenance(now or timezone.now()))}
    if since != version:
        rows = [row for row in store.load_monitors() if probe.name in row.locations and row.type in ACTIVE_TYPES]
        ids = {row.id for row in rows}
        answer["monitors"] = [row._asdict() for row in rows]
        answer["upstream"] = {str(asset): [m for m in above if m in ids]
                              for asset, above in store.upstream_monitors().items() if ids.intersection(above)}
        several = [row.id for row in rows if len(row.locations) > 1]
        answer["location_states"] = {str(monitor_id): state for monitor_id, state
                                     in store.location_states(probe.name, several).items()} if several else {}
    return answer


@dataclass(frozen=True)
class Answer:
    stored: bool  # False: a batch of that id was stored before, and this one was not
    refused: dict[int, str]  # monitors whose state change was refused (moved meanwhile): their state now


class ElsewhereMonitors(Exception):
    """The batch names monitors that are not its probe's location's: nothing of it was stored."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} result(s) for monitors not of this location")
        self.errors = errors


def batch_receive(*, probe: Probe, batch: Any, now: dt.datetime | None = None) -> Answer:
    """Store BATCH (``id``, ``observations``, ``transitions``, validated by the API) from PROBE in one
    transaction, once per id; raises ElsewhereMonitors, storing nothing, when it names another location's."""
    several = _refuse_elsewhere(probe, batch)
    now = now or timezone.now()
    with transaction.atomic():
        if not _first_time(probe, batch.id, now):
            return Answer(stored=False, refused={})
        refused = _write(probe, batch, several)
        states = store.states([t.monitor_id for t in refused]) if refused else {}
    _prune(now)
    return Answer(stored=True, refused=states)


def _write(probe: Probe, batch: Any, several: frozenset[int]) -> list[store.Transition]:
    """The one place a probe's batch becomes the engine's ``Batch`` and is stored as a local engine's is: as its
    location's, the monitors of SEVERAL (checked from other locations too) judged by quorum."""
    observations = [store.Observation(o.monitor, o.at, o.status, o.latency_ms, o.reason, o.keep)
                    for o in batch.observations]
    transitions = [store.Transition(t.monitor, t.at, t.old, t.new, t.reason, t.failing_since)
                   for t in batch.transitions]
    return store.write(store.Batch(observations, transitions, location=probe.name, several=several))


def _first_time(probe: Probe, batch_id: UUID, now: dt.datetime) -> bool:
    """Note BATCH_ID as received; False when it was before (a savepoint, so the transaction goes on)."""
    try:
        with transaction.atomic():
            ProbeBatch.objects.create(probe=probe, batch=batch_id, received_at=now)
    except IntegrityError:
        return False
    return True


def _refuse_elsewhere(probe: Probe, batch: Any) -> frozenset[int]:
    """Raises ElsewhereMonitors if BATCH names monitors not of PROBE's location; returns those it names that
    are checked from other locations too."""
    named = {item.monitor for item in (*batch.observations, *batch.transitions)}
    if not named:
        return frozenset()
    located = {monitor_id: locations for monitor_id, locations in Monitor.objects.filter(id__in=named)
               .values_list("id", "locations") if probe.name in locations}
    ours = set(located)
    errors = [*_elsewhere("observations", batch.observations, ours, probe.name),
              *_elsewhere("transitions", batch.transitions, ours, probe.name)]
    if errors:
        raise ElsewhereMonitors(errors)
    return frozenset(monitor_id for monitor_id, locations in located.items() if len(locations) > 1)


def _elsewhere(part: str, items: Iterable[Any], ours: set[int], location: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", part, n, "monitor"], "type": "elsewhere",
             "msg": f"monitor {item.monitor} is not checked from location {location!r} (or no longer exists)"}
            for n, item in enumerate(items) if item.monitor not in ours]


def _prune(now: dt.datetime) -> None:
    if time.monotonic() - _pruned[0] < PRUNE_EVERY:
        return
    _pruned[0] = time.monotonic()
    ProbeBatch.objects.filter(received_at__lt=now - KEEP_BATCHES).delete()
