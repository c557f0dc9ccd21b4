"""The custode command as a user runs it: exit codes and what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"


@pytest.fixture
def custode(tmp_path):
    """Run `custode ARGS` against its own SQLite file, never the test database."""
    env = {**os.environ, "CUSTODE_DATA_DIR": str(tmp_path), "CUSTODE_DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "custode", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("migrate", "-v0").returncode == 0
    return run


def test_apply_prints_a_summary_then_no_changes(custode):
    first = custode("apply", "-f", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "+ customer studio-bianchi" in first.stdout
    assert "Applied: 28 created, 0 updated, 0 removed, 0 unchanged." in first.stdout
    second = custode("apply", "-f", str(EXAMPLE))
    assert second.stdout.strip() == "No changes (28 unchanged)."


def test_bad_file_exits_non_zero_naming_file_line_and_field(custode, tmp_path):
    bad = tmp_path / "custode.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("interval: 60s\n            retries: 2",
                                                               "interval: 60\n            retries: 2"))
    result = custode("apply", "-f", str(bad))
    assert result.returncode == 1
    assert "custode.yaml:71 customers[0].assets[0].monitors[0].interval: must be a duration like 30s, 5m, 2h" in result.stderr
    assert "nothing was applied" in result.stderr
    assert custode("export").stdout == "{}\n"


def test_apply_before_migrate_says_what_to_run(tmp_path):
    env = {**os.environ, "CUSTODE_DATA_DIR": str(tmp_path), "CUSTODE_DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3"}
    result = subprocess.run([sys.executable, "-m", "custode", "apply", "-f", str(EXAMPLE)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "run `custode migrate` (or `custode up`) first" in result.stderr


def test_missing_file_is_a_clear_error(custode, tmp_path):
    result = custode("apply", "-f", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "nope.yaml: cannot read the file" in result.stderr


def test_export_applies_back_with_no_changes(custode, tmp_path):
    custode("apply", "-f", str(EXAMPLE))
    exported = tmp_path / "exported.yaml"
    exported.write_text(custode("export").stdout)
    result = custode("apply", "-f", str(exported))
    assert result.stdout.strip() == "No changes (28 unchanged)."


def test_dry_run_shows_the_diff_and_applies_nothing(custode):
    result = custode("apply", "-f", str(EXAMPLE), "--dry-run")
    assert "Dry run, nothing applied: would be 28 created" in result.stdout
    assert custode("export").stdout == "{}\n"


def test_token_create_prints_a_token_once(custode):
    custode("createadmin", "--username", "ops", "--noinput")
    result = custode("token", "create", "ops", "--write")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("cus_")
    assert "read-write" in result.stderr
    assert custode("token", "create", "nobody").returncode == 1
