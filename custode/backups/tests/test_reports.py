"""The report URLs: each report is stored as sent; a bad one is refused naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from custode.backups.models import BackupJob, BackupReplica, BackupRun, RestoreTest


def post(client, job, suffix="", body=None, raw=None):
    data = raw if raw is not None else json.dumps(body or {})
    return client.post(f"/backup/{job.token}{suffix}", data=data, content_type="application/json")


def stored(job) -> tuple[int, int, int]:
    return job.runs.count(), job.replicas.count(), job.restore_tests.count()


def test_a_run_reported_with_its_start_is_stored_with_its_stats(client, nightly):
    assert client.get(f"/backup/{nightly.token}/start").status_code == 200
    response = post(client, nightly, body={"status": "ok", "bytes": 8_400_000_000, "files": 120_000,
                                           "duration_s": 1830.5, "snapshot": "4f2a9c1e", "tool": "restic"})
    assert (response.status_code, response.content) == (200, b"OK\n")
    run = BackupRun.objects.get()
    assert (run.job, run.status, run.verdict, run.bytes, run.files, run.duration_s, run.snapshot, run.tool) == (
        nightly, "ok", "ok", 8_400_000_000, 120_000, 1830.5, "4f2a9c1e", "restic")
    job = BackupJob.objects.get(pk=nightly.pk)
    assert run.started_at == job.started_at and job.finished_at == run.finished_at
    assert job.last_verdict == "ok"


def test_a_failure_a_replica_and_a_restore_test_are_stored(client, nightly):
    assert post(client, nightly, body={"status": "failed", "tool": "borg"}).status_code == 200
    assert post(client, nightly, "/replica", {"snapshot": "4f2a9c1e", "at": "2026-12-03T02:40:00+01:00"}).status_code == 200
    assert post(client, nightly, "/restore-test", {"result": "ok", "files_checked": 20, "bytes": 310_000_000,
                                                   "duration_s": 42, "evidence": "20 files match"}).status_code == 200
    job = BackupJob.objects.get(pk=nightly.pk)
    assert (job.last_verdict, job.last_reason) == ("failed", "the job reported a failure")
    assert job.replica_at.isoformat() == "2026-12-03T01:40:00+00:00"
    assert RestoreTest.objects.get().evidence == "20 files match" and job.restore_ok_at is not None
    assert BackupReplica.objects.get().snapshot == "4f2a9c1e"


@pytest.mark.parametrize(("suffix", "body", "said"), [
    ("", {"status": "ok", "bytes": -1}, "bytes: must be greater than or equal to 0"),
    ("", {"status": "fine"}, "status: must be 'ok' or 'failed'"),
    ("", {"bytes": 10}, "status: is required"),
    ("", {"status": "ok", "byts": 10}, "byts: unknown key"),
    ("", {"status": "ok", "duration_s": "fast"}, "duration_s: must be a valid number"),
    ("/replica", {"at": "yesterday"}, "at: "),
    ("/replica", {"at": "2099-01-01T00:00:00Z"}, "at: 2099-01-01T00:00:00+00:00 is in the future"),
    ("/replica", {"at": "2026-12-03T02:40:00"}, "at: must have timezone info"),
    ("/restore-test", {"result": "ok", "files_checked": -3}, "files_checked: must be greater than or equal to 0"),
])
def test_a_bad_field_is_refused_naming_it_and_nothing_is_stored(client, nightly, suffix, body, said):
    response = post(client, nightly, suffix, body)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert stored(nightly) == (0, 0, 0)
    assert BackupJob.objects.get(pk=nightly.pk).finished_at is None


@pytest.mark.parametrize(("raw", "said"), [
    ("{\"status\": \"ok\",", "the body is not JSON: "),
    ("[1, 2]", "the body must be a JSON object, not list"),
    ("\xff\xfe", "the body is not JSON"),
])
def test_a_body_that_is_not_a_json_object_is_refused(client, nightly, raw, said):
    response = post(client, nightly, raw=raw.encode("latin-1"))
    assert response.status_code == 400 and response.content.decode().startswith(said)
    assert stored(nightly) == (0, 0, 0)


def test_a_10_mb_body_is_refused_as_too_large_before_it_is_read(client, nightly):
    response = post(client, nightly, raw=b'{"status": "ok", "snapshot": "' + b"x" * 10_000_000 + b'"}')
    assert response.status_code == 413
    assert response.content == b"the body is 10000032 bytes; a report is at most 65536 bytes\n"
    assert stored(nightly) == (0, 0, 0)


def test_an_unknown_token_is_404_and_other_jobs_are_unaffected(client, nightly, other):
    post(client, other, body={"status": "ok", "bytes": 10})
    response = client.post("/backup/0b3d7f0e-8a41-4f6b-9a57-1f1f3e0e0e0e", data=b'{"status": "failed"}',
                           content_type="application/json")
    assert (response.status_code, response.content) == (404, b"no backup job has this report URL\n")
    assert client.post("/backup/not-a-uuid/start").status_code == 404
    assert stored(nightly) == (0, 0, 0) and stored(other) == (1, 0, 0)
    assert BackupJob.objects.get(pk=other.pk).last_verdict == "ok"


def test_a_finish_must_be_posted(client, nightly):
    response = client.get(f"/backup/{nightly.token}")
    assert (response.status_code, response.content) == (405, b"use POST\n")
