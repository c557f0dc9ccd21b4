"""/api/v1/backups: each backup job's state with its reasons, its report URL, and what it last reported."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.http import HttpRequest
from ninja import Schema

from custode.api.errors import Router
from custode.backups.models import BackupJob
from custode.backups.services import backup_get, backup_status
from custode.lib.links import backup_report_url

backups = Router(tags=["backups"])


class RunOut(Schema):
    status: Literal["ok", "failed"]
    verdict: Literal["ok", "failed", "shrunk"]
    reason: str
    started_at: Optional[dt.datetime]
    finished_at: dt.datetime
    bytes: Optional[int]
    files: Optional[int]
    duration_s: Optional[float]
    snapshot: str
    tool: str


class ReplicaOut(Schema):
    snapshot: str
    at: dt.datetime
    received_at: dt.datetime


class RestoreTestOut(Schema):
    result: Literal["ok", "failed"]
    at: dt.datetime
    files_checked: Optional[int]
    bytes: Optional[int]
    duration_s: Optional[float]
    evidence: str


class BackupOut(Schema):
    id: str
    asset: str
    state: Literal["ok", "missed", "failed", "shrunk", "stale_replica", "restore_overdue", "unknown"]
    reasons: list[str]
    report_url: str
    last_run: Optional[RunOut]
    last_replica: Optional[ReplicaOut]
    last_restore_test: Optional[RestoreTestOut]


def _out(job: BackupJob, request: HttpRequest) -> dict:
    return {**backup_status(job), "report_url": backup_report_url(job, request)}


@backups.get("", response={200: list[BackupOut]}, operation_id="backups_list", summary="Every backup job's state")
def backup_list(request: HttpRequest):
    return [_out(job, request) for job in BackupJob.objects.select_related("asset").order_by("key")]


@backups.get("/{key}", response={200: BackupOut}, operation_id="backups_get", summary="A backup job's state",
             description="`state` is `ok`, `missed`, `failed`, `shrunk`, `stale_replica`, `restore_overdue` or "
             "`unknown` (nothing reported yet); `reasons` give every problem with its numbers, worst first. "
             "The job reports to `report_url` (`/start`, `/replica` and `/restore-test` hang off it).")
def backup_read(request: HttpRequest, key: str):
    return _out(backup_get(key), request)
