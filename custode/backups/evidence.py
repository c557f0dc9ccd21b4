"""The evidence of a customer's backups over a period: every run, replica, restore test and sign-off of each of
their jobs, as stored, for the API, the printable staff page and the monthly report.

A period is whole days of the provider's, ``from`` to ``to`` inclusive; without them, the last 30 days to today.
A run counts by when it finished, a replica by when it was reported, a restore test and a sign-off by when they
were made. Four queries whatever the number of jobs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from custode.backups.models import BackupJob, BackupReplica, BackupRun, BackupSignOff, RestoreTest
from custode.backups.services import replica_out, restore_test_out, run_out
from custode.directory.models import Customer, Provider
from custode.incidents import wording
from custode.lib.changes import Invalid

DEFAULT_DAYS = 30
MAX_DAYS = 366


def period(start: str | dt.date | None, end: str | dt.date | None, *,
           today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(from, to) as dates; Invalid naming ``from`` or ``to`` when one is not a date, or they make no period."""
    today = today or timezone.now().astimezone(wording.zone(Provider.get().timezone)).date()
    last = _date("to", end) or today
    first = _date("from", start) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid("from", f"{first.isoformat()} is after to ({last.isoformat()}): give the earlier day first")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid("to", f"the period is {(last - first).days + 1} days; at most {MAX_DAYS}")
    return first, last


def _date(name: str, value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(name, f"{value!r} is not a date: write it as YYYY-MM-DD, like 2026-11-30") from None


def evidence(customer: Customer, first: dt.date, last: dt.date) -> dict:
    """Everything CUSTOMER's backup jobs reported, and every sign-off, from FIRST to LAST, newest first per job."""
    tz_name = Provider.get().timezone
    tz = wording.zone(tz_name)
    since = dt.datetime.combine(first, dt.time(0), tz)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz)
    jobs = list(BackupJob.objects.filter(asset__customer=customer).select_related("asset").order_by("key"))
    ids = [job.pk for job in jobs]
    runs = _by_job(BackupRun.objects.filter(job_id__in=ids, finished_at__gte=since, finished_at__lt=until))
    replicas = _by_job(BackupReplica.objects.filter(job_id__in=ids, received_at__gte=since, received_at__lt=until))
    tests = _by_job(RestoreTest.objects.filter(job_id__in=ids, at__gte=since, at__lt=until))
    signoffs = _by_job(BackupSignOff.objects.filter(job_id__in=ids, at__gte=since, at__lt=until))
    # A job set up after the period, with nothing in it, was not there to fail: listing it would say it never ran.
    jobs = [job for job in jobs if job.created_at < until or any(
        found[job.pk] for found in (runs, replicas, tests, signoffs))]
    return {
        "customer": customer.key, "name": customer.name, "from": first, "to": last, "timezone": tz_name,
        "jobs": [{
            "id": job.key, "asset": job.asset.key, "asset_name": job.asset.name, "schedule": job.schedule,
            "runs": [run_out(r) for r in runs[job.pk]],
            "replicas": [replica_out(r) for r in replicas[job.pk]],
            "restore_tests": [restore_test_out(t) for t in tests[job.pk]],
            "signoffs": [{"at": s.at, "by": s.by, "state": s.state, "reasons": s.reasons, "note": s.note,
                          "minutes": s.minutes} for s in signoffs[job.pk]],
        } for job in jobs],
    }


def _by_job(rows) -> dict[int, list]:
    found = defaultdict(list)
    for row in rows:  # each model's own ordering: newest first
        found[row.job_id].append(row)
    return found

