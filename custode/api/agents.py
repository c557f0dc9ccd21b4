"""/api/v1/assets/<id>/agent: the last report of the asset's agent (DESIGN.md, "Agent")."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from django.http import HttpRequest
from ninja import Schema

from custode.agents.services import agent_of, agent_status
from custode.api import scope
from custode.api.errors import Router
from custode.assets.services import asset_get

agents = Router(tags=["agents"])


class UpdatesOut(Schema):
    pending: int
    security: int
    manager: str = ""
    last_upgrade: Optional[dt.datetime] = None


class AgentOut(Schema):
    asset: str
    hostname: str
    enrolled_at: dt.datetime
    revoked: bool
    measured_at: Optional[dt.datetime]
    received_at: Optional[dt.datetime]
    problems: list[str]
    load: Optional[list[float]]
    cpu_percent: Optional[float]
    cpu_count: Optional[int]
    memory: Optional[dict[str, Any]]
    swap: Optional[dict[str, Any]]
    disks: list[dict[str, Any]]
    uptime_s: Optional[float]
    updates: Optional[UpdatesOut]
    services: Optional[dict[str, bool]]
    network: Optional[dict[str, Any]]
    inventory: Optional[dict[str, Any]]


@agents.get("/{key}/agent", response={200: AgentOut}, operation_id="assets_agent",
            summary="The last report of an asset's agent",
            description="`load` is the 1, 5 and 15-minute load averages; `memory` `{total, available, percent}` in "
            "bytes; each of `disks` `{mount, size, used, percent, inodes, inodes_used}`; `updates` the pending "
            "package updates, `security` counted apart. `measured_at` is when the agent measured, `received_at` "
            "when the server got it (later when the report waited on the machine while the server was away). "
            "`problems` are the thresholds the last report broke for their `for`, with their numbers. "
            "404 when the asset has no agent enrolled.")
def asset_agent(request: HttpRequest, key: str):
    asset = asset_get(key)
    scope.require(request, asset.customer_id, "asset", key)
    return agent_status(agent_of(key))
