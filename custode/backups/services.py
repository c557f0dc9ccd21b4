"""Writes and reads of backup jobs, and the reports their runs send.

A job is saved with the monitor it is judged through (``models.MONITOR_TYPE``, impact ``job``, staff only): the
engine evaluates it every minute from the job's summary (``verdict.problems``), and a problem is that monitor
going DOWN, an incident like any other. Each report is stored as its row and the job's summary in one
transaction, and ``changed_at`` moves so the engine reads the summary again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from custode.assets.services import asset_get
from custode.backups import verdict
from custode.backups.models import MONITOR_TYPE, BackupJob, BackupReplica, BackupRun, RestoreTest
from custode.backups.reports import FinishReport, ReplicaReport, RestoreTestReport
from custode.backups.specs import BackupSpec
from custode.directory.models import Provider
from custode.lib.changes import Change, Invalid, NotFound, reference, save_fields
from custode.monitors.models import Impact, Monitor

EVALUATE_EVERY = 60  # seconds: the backing monitor's interval; a due time is seen at most this late


def backup_save(*, asset: str, spec: BackupSpec) -> Change:
    owner = reference(asset_get, asset, "asset")
    job = BackupJob.objects.filter(key=spec.id).first() or BackupJob(key=spec.id)
    values = dict(asset=owner, **spec.model_dump(mode="python", exclude={"id"}))
    values["monitor"] = _monitor_for(job, owner)
    change = save_fields(job, values, kind="backup", key=spec.id)
    if change.action == "updated":
        BackupJob.objects.filter(pk=job.pk).update(changed_at=timezone.now())
    return change


def _monitor_for(job: BackupJob, asset) -> Monitor:
    """The job's monitor, on the job's asset; created with it. A monitor of the config holding the key refuses."""
    monitor = (job.monitor if job.pk else None) or Monitor.objects.filter(key=job.key).first()
    if monitor is not None and monitor.type != MONITOR_TYPE:
        raise Invalid("id", f"monitor {job.key!r} has this id too: a backup job and a monitor need different ids")
    if monitor is None:
        monitor = Monitor(key=job.key, type=MONITOR_TYPE, interval=EVALUATE_EVERY, retries=0, impact=Impact.JOB,
                          tell_customer=False)
    if monitor.pk is None or monitor.asset_id != asset.pk:
        monitor.asset = asset
        monitor.save()
    return monitor


def backup_spec(job: BackupJob) -> BackupSpec:
    def seconds(value: int | None) -> str | None:
        return None if value is None else f"{value}s"

    return BackupSpec(
        id=job.key,
        schedule=job.schedule,
        grace=seconds(job.grace),
        min_size_ratio=job.min_size_ratio,
        replica_within=seconds(job.replica_within),
        restore_test_every=seconds(job.restore_test_every),
    )


def backup_delete(*, key: str) -> Change:
    job = BackupJob.objects.filter(key=key).first()
    if job is None:
        raise NotFound("backup", key)
    with transaction.atomic():
        if job.monitor_id is not None:
            Monitor.objects.filter(pk=job.monitor_id).delete()  # and the job with it
        BackupJob.objects.filter(pk=job.pk).delete()
    return Change("backup", key, "removed")


# -- reports ---------------------------------------------------------------------------------------------------


def backup_start(*, job: BackupJob, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    BackupJob.objects.filter(pk=job.pk).update(started_at=now, changed_at=now)


def backup_finish(*, job: BackupJob, report: FinishReport, now: dt.datetime | None = None) -> BackupRun:
    """Store a finished run with Custode's verdict on it (``verdict.run_verdict``) and make it the job's last."""
    now = now or timezone.now()
    with transaction.atomic():
        job = BackupJob.objects.select_for_update().get(pk=job.pk)
        good = [verdict.Measure(*values) for values in job.runs.filter(verdict=BackupRun.Verdict.OK)
                .order_by("-finished_at", "-id").values_list("bytes", "files", "duration_s")[:verdict.MEDIAN_OF]]
        measure = verdict.Measure(report.bytes, report.files, report.duration_s)
        judged = verdict.run_verdict(status=report.status, run=measure, good=good, min_size_ratio=job.min_size_ratio)
        started = job.started_at if job.started_at and (job.finished_at is None or job.started_at > job.finished_at) \
            else None
        run = BackupRun.objects.create(
            job=job, started_at=started, finished_at=now, status=report.status, bytes=report.bytes,
            files=report.files, duration_s=report.duration_s, snapshot=report.snapshot, tool=report.tool,
            verdict=judged.state, reason=judged.reason[:300])
        BackupJob.objects.filter(pk=job.pk).update(finished_at=now, last_verdict=judged.state,
                                                   last_reason=judged.reason[:300], changed_at=now)
    return run


def backup_replica(*, job: BackupJob, report: ReplicaReport, now: dt.datetime | None = None) -> BackupReplica:
    now = now or timezone.now()
    at = report.at or now
    with transaction.atomic():
        replica = BackupReplica.objects.create(job=job, snapshot=report.snapshot, at=at, received_at=now)
        newest = BackupJob.objects.filter(pk=job.pk).values_list("replica_at", flat=True).get()
        if newest is None or at > newest:
            BackupJob.objects.filter(pk=job.pk).update(replica_at=at, changed_at=now)
    return replica


def backup_restore_test(*, job: BackupJob, report: RestoreTestReport, now: dt.datetime | None = None) -> RestoreTest:
    now = now or timezone.now()
    with transaction.atomic():
        test = RestoreTest.objects.create(job=job, at=now, result=report.result, files_checked=report.files_checked,
                                          bytes=report.bytes, duration_s=report.duration_s, evidence=report.evidence)
        summary = {"restore_ok_at": now, "restore_failed_reason": ""} if report.result == "ok" else \
            {"restore_failed_reason": (_first_line(report.evidence) or "no evidence given")[:300]}
        BackupJob.objects.filter(pk=job.pk).update(changed_at=now, **summary)
    return test


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# -- reads -----------------------------------------------------------------------------------------------------


def backup_facts(job: BackupJob, tz: str | None = None) -> verdict.Facts:
    """What the verdict needs of JOB; TZ, the provider's timezone, read when not given."""
    return verdict.Facts(
        key=job.key, schedule=job.schedule, grace=job.grace, timezone=tz or Provider.get().timezone,
        created_at=job.created_at, replica_within=job.replica_within, restore_test_every=job.restore_test_every,
        started_at=job.started_at, finished_at=job.finished_at, last_verdict=job.last_verdict,
        last_reason=job.last_reason, replica_at=job.replica_at, restore_ok_at=job.restore_ok_at,
        restore_failed_reason=job.restore_failed_reason)


def backup_status(job: BackupJob, *, now: dt.datetime | None = None) -> dict:
    """``GET /api/v1/backups/<id>``: the state with every reason, and the last run, replica and restore test."""
    state, reasons = verdict.state_of(backup_facts(job), now or timezone.now())
    run, replica, test = job.runs.first(), job.replicas.first(), job.restore_tests.first()
    return {
        "id": job.key,
        "asset": job.asset.key,
        "state": state,
        "reasons": reasons,
        "last_run": run and run_out(run),
        "last_replica": replica and replica_out(replica),
        "last_restore_test": test and restore_test_out(test),
    }


def run_out(run: BackupRun) -> dict:
    return {"status": run.status, "verdict": run.verdict, "reason": run.reason, "started_at": run.started_at,
            "finished_at": run.finished_at, "bytes": run.bytes, "files": run.files, "duration_s": run.duration_s,
            "snapshot": run.snapshot, "tool": run.tool}


def replica_out(replica: BackupReplica) -> dict:
    return {"snapshot": replica.snapshot, "at": replica.at, "received_at": replica.received_at}


def restore_test_out(test: RestoreTest) -> dict:
    return {"result": test.result, "at": test.at, "files_checked": test.files_checked, "bytes": test.bytes,
            "duration_s": test.duration_s, "evidence": test.evidence}


def backup_get(key: str) -> BackupJob:
    job = BackupJob.objects.select_related("asset").filter(key=key).first()
    if job is None:
        raise NotFound("backup", key)
    return job
