import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from custode.backups.models import BackupJob
from custode.backups.reports import FinishReport
from custode.backups.services import backup_finish, backup_save
from custode.backups.specs import BackupSpec
from custode.testing import factories


def job(key: str, asset: str, **fields) -> BackupJob:
    fields.setdefault("schedule", "0 2 * * *")
    fields.setdefault("grace", "2h")
    backup_save(asset=asset, spec=BackupSpec(id=key, **fields))
    return BackupJob.objects.get(key=key)


@pytest.fixture
def nas(db):
    factories.provider(timezone="Europe/Rome")
    bianchi = factories.customer("bianchi", name="Studio Bianchi", language="it")
    return factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS Bianchi")


@pytest.fixture
def nightly(nas):
    return job("bianchi-nas-nightly", "bianchi-nas", min_size_ratio=0.8, replica_within="24h",
               restore_test_every="30d")


@pytest.fixture
def other(nas):
    return job("bianchi-nas-weekly", "bianchi-nas", schedule="0 3 * * 0")


@pytest.fixture
def client():
    return Client()


def aged(job: BackupJob, days: float) -> BackupJob:
    """JOB as if created DAYS ago: its schedule has come due since, with nothing reported (missed)."""
    BackupJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    job.refresh_from_db()
    return job


def failed(job: BackupJob) -> BackupJob:
    backup_finish(job=job, report=FinishReport(status="failed", tool="restic"))
    job.refresh_from_db()
    return job


def good(job: BackupJob) -> BackupJob:
    backup_finish(job=job, report=FinishReport(status="ok", bytes=8_000_000, files=1200, duration_s=60))
    job.refresh_from_db()
    return job
