"""The report URLs a backup job calls (DESIGN.md, "Backups"): thin, the services do the work.

The job's token in the URL is its credential, as for heartbeats: no login, no CSRF. A bad report is
answered 4xx naming the field and stores nothing; an unknown token is 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from custode.backups import reports, services
from custode.backups.models import BackupJob

NO_JOB = "no backup job has this report URL\n"


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message if message.endswith("\n") else message + "\n", status=status,
                        content_type="text/plain; charset=utf-8")


def _body(request: HttpRequest) -> bytes:
    """At most one byte more than a report may be, read from the stream: a 10 MB body is never held whole."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > reports.MAX_BODY:
        raise reports.too_large(int(declared))
    return request.read(reports.MAX_BODY + 1)


def _report(kind: str):
    @csrf_exempt
    def view(request: HttpRequest, token) -> HttpResponse:
        allowed = ("GET", "POST") if kind == "start" else ("POST",)
        if request.method not in allowed:
            return _text(405, f"use {' or '.join(allowed)}")
        job = BackupJob.objects.filter(token=token).first()
        if job is None:
            return _text(404, NO_JOB)
        try:
            _store(kind, job, _body(request))
        except reports.BadReport as e:
            return _text(e.status, e.message)
        return _text(200, "OK")

    view.__name__ = f"backup_{kind.replace('-', '_')}"
    return view


def _store(kind: str, job: BackupJob, body: bytes) -> None:
    if kind == "start":
        services.backup_start(job=job)
    elif kind == "finish":
        services.backup_finish(job=job, report=reports.parse(body, reports.FinishReport))
    elif kind == "replica":
        report = reports.parse(body, reports.ReplicaReport)
        if reports.future(report.at, timezone.now()):
            raise reports.BadReport(f"at: {report.at.isoformat()} is in the future")
        services.backup_replica(job=job, report=report)
    else:
        services.backup_restore_test(job=job, report=reports.parse(body, reports.RestoreTestReport))


start, finish, replica, restore_test = (_report(k) for k in ("start", "finish", "replica", "restore-test"))


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _text(404, "not a backup report URL: use /backup/<uuid>, or /backup/<uuid>/start, /replica "
                      "or /restore-test")
