"""``custode-agent backup``: real restic and borg runs read for bytes, files and snapshot, and reported.

The real restic run goes through the wrapper to the server (the last test); borg's output is read alone.

The agent is its own distribution (``agent/``, standard library only); these tests import it from the checkout.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custode.backups.models import BackupRun
from custode.testing.services import require_service

AGENT = Path(__file__).resolve().parents[3] / "agent"
sys.path.insert(0, str(AGENT))
from custode_agent import backup as agent  # noqa: E402

SIZES = (300_000, 120_000, 6)  # bytes of the three files backed up


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    for n, size in enumerate(SIZES):
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / f"f{n}.bin").write_bytes(os.urandom(size))
    monkeypatch.setenv("RESTIC_PASSWORD", "correct horse")
    monkeypatch.setenv("RESTIC_CACHE_DIR", str(tmp_path / "restic-cache"))
    monkeypatch.setenv("BORG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("BORG_BASE_DIR", str(tmp_path / "borg-home"))
    return tmp_path


def tool(name: str) -> None:
    require_service(name, shutil.which(name) is not None, f"the Debian package {name!r} is not installed")


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_a_real_borg_backup_is_read_for_bytes_files_and_archive(data):
    tool("borg")
    assert run("borg", "init", "-e", "repokey", str(data / "borg")).returncode == 0
    done = run("borg", "create", "--json", f"{data / 'borg'}::nightly-1", str(data / "data"))
    report = agent.summary("borg", done.returncode, done.stdout)
    assert report == {"status": "ok", "tool": "borg", "bytes": report["bytes"], "files": 3, "snapshot": "nightly-1"}
    assert sum(SIZES) <= report["bytes"] < sum(SIZES) * 1.01, "borg's original size: the files and their metadata"


def test_a_failed_run_is_reported_failed_and_other_tools_by_their_exit_code():
    assert agent.summary("restic", 1, "Fatal: unable to open config file") == {"status": "failed", "tool": "restic"}
    assert agent.summary("borg", 1, "")["status"] == "ok", "borg's 1 is a complete archive with warnings"
    assert agent.summary("borg", 2, "") == {"status": "failed", "tool": "borg"}
    assert agent.summary("rsync", 0, "sent 1,024 bytes") == {"status": "ok", "tool": "rsync"}
    assert agent.summary("pg_dump", 1, "") == {"status": "failed", "tool": "pg_dump"}
    assert agent.summary("restic", 0, '{"message_type":"summary","total_bytes_processed":-5}') == {
        "status": "ok", "tool": "restic"}, "a value the server would refuse is left out, not sent"


def test_a_finish_the_server_cannot_take_is_said_and_exits_75():
    err = io.StringIO()
    code = agent.run_and_report("http://127.0.0.1:45999/backup/0b3d7f0e-8a41-4f6b-9a57-1f1f3e0e0e0e", ["true"],
                                timeout=2, out=io.StringIO(), err=err)
    assert code == 75
    assert "cannot report the finish to http://127.0.0.1:45999/backup/" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_wrapper_reports_a_real_restic_run_to_the_jobs_url(live_server, data, nightly):
    tool("restic")
    assert run("restic", "init", "-q", "-r", str(data / "repo")).returncode == 0
    done = subprocess.run(
        [sys.executable, "-m", "custode_agent", "backup", "--job", f"{live_server.url}/backup/{nightly.token}", "--",
         "restic", "-r", str(data / "repo"), "backup", "--json", str(data / "data")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(AGENT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"message_type":"summary"' in done.stdout, "the command's output is passed on"
    run_ = BackupRun.objects.get(job=nightly)
    assert (run_.status, run_.verdict, run_.tool, run_.bytes, run_.files) == ("ok", "ok", "restic", sum(SIZES), 3)
    assert len(run_.snapshot) == 8 and run_.duration_s > 0 and run_.started_at is not None
