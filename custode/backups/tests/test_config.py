"""Backup jobs in the config file: applied with their own monitor, exported back, errors named by file, line and path."""

from __future__ import annotations

import pytest

from custode.backups.models import BackupJob
from custode.config.apply import apply_text
from custode.config.export import export_yaml
from custode.config.source import ConfigErrors
from custode.monitors.models import Monitor

pytestmark = pytest.mark.django_db

FILE = """\
provider: {name: Rete Sicura, timezone: Europe/Rome, language: it, contact: {phone: "+39 0521 000000", email: a@rs.example}}
customers:
  - id: bianchi
    name: Studio Bianchi
    assets:
      - id: bianchi-nas
        kind: nas
        name: NAS Bianchi
        monitors:
          - {id: bianchi-nas-ping, type: ping, host: 192.0.2.10}
        backups:
          - id: bianchi-nas-nightly
            schedule: "0 2 * * *"
            grace: 2h
            min_size_ratio: 0.8
            replica_within: 24h
            restore_test_every: 30d
"""


def apply(text: str, **options):
    return apply_text(text, filename="custode.yaml", **options)


def test_a_job_is_applied_with_its_own_staff_monitor_and_exports_back_unchanged():
    apply(FILE)
    job = BackupJob.objects.get()
    assert (job.schedule, job.grace, job.min_size_ratio, job.replica_within, job.restore_test_every) == (
        "0 2 * * *", 7200, 0.8, 86400, 2592000)
    assert (job.monitor.type, job.monitor.impact, job.monitor.tell_customer) == ("backup", "job", False)
    exported = export_yaml()
    assert "type: backup" not in exported
    report = apply(exported, prune=True)
    assert not report.changed
    assert Monitor.objects.count() == 2 and BackupJob.objects.get().monitor == job.monitor


def test_pruning_a_job_removes_its_monitor_too():
    apply(FILE)
    apply(FILE[: FILE.index("        backups:")], prune=True)
    assert not BackupJob.objects.exists()
    assert list(Monitor.objects.values_list("key", flat=True)) == ["bianchi-nas-ping"]


@pytest.mark.parametrize(("old", "new", "said"), [
    ('"0 2 * * *"', '"0 2 * *"', 'custode.yaml:13 customers[0].assets[0].backups[0].schedule: must be a cron '
                                 'expression of five fields, like "0 2 * * *"'),
    ("min_size_ratio: 0.8", "min_size_ratio: 1.5", "custode.yaml:15 customers[0].assets[0].backups[0].min_size_ratio: "),
    ("grace: 2h", "grace: soon", "custode.yaml:14 customers[0].assets[0].backups[0].grace: "),
    ("id: bianchi-nas-nightly", "id: bianchi-nas-ping", "customers[0].assets[0].backups[0].id: monitor "
                                                        "'bianchi-nas-ping' has this id too"),
])
def test_a_bad_job_names_its_file_line_and_path_and_nothing_is_applied(old, new, said):
    with pytest.raises(ConfigErrors) as caught:
        apply(FILE.replace(old, new))
    assert said in str(caught.value)
    assert not BackupJob.objects.exists() and not Monitor.objects.exists()
