import pytest
from django.test import Client

from custode.backups.models import BackupJob
from custode.backups.services import backup_save
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
