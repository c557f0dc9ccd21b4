"""Writes and reads of backup jobs."""

from __future__ import annotations

from custode.assets.services import asset_get
from custode.backups.models import BackupJob
from custode.backups.specs import BackupSpec
from custode.lib.changes import Change, NotFound, reference, save_fields


def backup_save(*, asset: str, spec: BackupSpec) -> Change:
    job = BackupJob.objects.filter(key=spec.id).first() or BackupJob(key=spec.id)
    values = dict(asset=reference(asset_get, asset, "asset"), **spec.model_dump(mode="python", exclude={"id"}))
    return save_fields(job, values, kind="backup", key=spec.id)


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
    deleted, _ = BackupJob.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("backup", key)
    return Change("backup", key, "removed")
