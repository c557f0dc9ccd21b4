"""/api/v1/probe/...: what a remote probe (``custode probe``) asks and posts, with its own token
(``custode probes add NAME``), never a staff one. README, "Remote probes"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Optional
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema, Status
from ninja.security import HttpBearer
from pydantic import AfterValidator, AwareDatetime

from custode.api.errors import FieldErrorsOut, Id, ObjectIn, Router
from custode.probes.exchange import ElsewhereMonitors, batch_receive, probe_monitors
from custode.probes.services import probe_authenticate

AHEAD = dt.timedelta(minutes=5)  # how far ahead of the server's clock a probe's time may be
MAX_ITEMS = 10_000  # results, or state changes, in one batch (a probe sends at most 5,000)


class ProbeAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return probe_authenticate(token)


probe = Router(tags=["probes"], auth=ProbeAuth())


def _sane_time(value: dt.datetime) -> dt.datetime:
    if value.year < 2000 or value.year > 9000:
        raise ValueError("must be a time of this century")
    if value > timezone.now() + AHEAD:
        raise ValueError("is more than 5 minutes ahead of the server's clock: set the probe's clock (NTP)")
    return value


ProbeTime = Annotated[AwareDatetime, AfterValidator(_sane_time)]
Reason = Annotated[str, Field(max_length=2000)]
StateName = Literal["up", "down", "degraded", "paused", "maintenance", "unknown", "error"]


class ObservationIn(ObjectIn):
    monitor: Id
    at: ProbeTime
    status: Literal["up", "down", "degraded", "error"]
    latency_ms: Optional[float] = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    reason: Reason = ""
    keep: bool = True


class TransitionIn(ObjectIn):
    monitor: Id
    at: ProbeTime
    old: StateName
    new: StateName
    reason: Reason = ""
    failing_since: Optional[ProbeTime] = None


class BatchIn(ObjectIn):
    id: UUID
    observations: list[ObservationIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    transitions: list[TransitionIn] = Field(default_factory=list, max_length=MAX_ITEMS)


class RefusedOut(Schema):
    monitor: int
    state: str


class BatchOut(Schema):
    id: UUID
    stored: bool
    refused: list[RefusedOut]


class MonitorOut(Schema):
    id: int
    key: str
    type: str
    interval: int
    retries: int
    timeout: float
    paused: bool
    impact: str
    tell_customer: bool
    spec: dict[str, Any]
    asset_id: int
    state: str
    created_at: dt.datetime
    version: int
    last_ping_at: Optional[dt.datetime]
    last_ping_kind: str
    locations: list[str]
    quorum: int


class MonitorsOut(Schema):
    location: str
    version: str
    monitors: Optional[list[MonitorOut]]
    upstream: Optional[dict[str, list[int]]]
    maintenance: list[int]
    location_states: Optional[dict[str, StateName]] = None


@probe.get("/monitors", response={200: MonitorsOut}, operation_id="probe_monitors",
           summary="The monitors a probe checks",
           description="The monitors of the probe's location that a check runs for (not `push`, backups or agents), "
           "as the engine loads them, with `version`: asked again with `?since=<version>`, an unchanged list is "
           "`monitors: null` (and `upstream: null`). `upstream` maps an asset to the monitors of what it depends on; "
           "`maintenance` lists the assets in a maintenance window now, in every answer; `location_states`, with the "
           "monitors, what this location last found of each monitor it shares with other locations (``quorum``), "
           "so a probe started again goes on from there. "
           "Authenticate with the probe's token (`custode probes add NAME`).")
def probe_monitors_list(request: HttpRequest, since: Optional[str] = None):
    return probe_monitors(probe=request.auth, since=since)


@probe.post("/batches", response={200: BatchOut, 422: FieldErrorsOut}, operation_id="probe_batches",
            summary="Store a probe's results",
            description="A batch of results (`observations`) and state changes (`transitions`), stored in one "
            "transaction as a local engine's are. `id` is the probe's own for the batch: a batch posted again is "
            "answered `stored: false` and not stored twice. `refused` lists the state changes not applied because "
            "the monitor's state had moved meanwhile, with its state now. A result for a monitor that is not of the "
            "probe's location is a 422 naming it, and nothing of the batch is stored.")
def probe_batches(request: HttpRequest, batch: BatchIn):
    try:
        answer = batch_receive(probe=request.auth, batch=batch)
    except ElsewhereMonitors as e:
        return Status(422, {"detail": e.errors})
    refused = [{"monitor": monitor_id, "state": state} for monitor_id, state in answer.refused.items()]
    return {"id": batch.id, "stored": answer.stored, "refused": refused}
