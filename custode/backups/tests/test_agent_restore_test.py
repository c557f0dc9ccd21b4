"""``custode-agent restore-test``: real restic and borg repositories restored, verified, and reported.

Good repositories pass and the server keeps the counts; a pack removed, a pack or a segment altered make the
test fail with evidence naming the data, and the job fails through the existing verdict. Real pg_dump and
mysqldump dumps are loaded into scratch databases and counted; the agent is imported from the checkout.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custode.backups.models import BackupJob, RestoreTest
from custode.backups.services import backup_status
from custode.testing.services import port_open, require_service

AGENT = Path(__file__).resolve().parents[3] / "agent"
sys.path.insert(0, str(AGENT))
from custode_agent import cli, restore  # noqa: E402

SIZES = {"big.bin": 2_000_000, "a.txt": 5_000, "b.txt": 700, "sub/c.txt": 12}
PG = "postgresql://postgres@127.0.0.1:5432"
MARIADB = "mysql://root@127.0.0.1:3306"
UNREACHABLE = "http://127.0.0.1:24001/backup/0b3d7f0e-8a41-4f6b-9a57-1f1f3e0e0e0e"
SOURCE_DB = f"custode_rt_src_{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def passwords():
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RESTIC_PASSWORD", "correct horse")
        env.setenv("BORG_PASSPHRASE", "correct horse")
        env.setenv("BORG_RELOCATED_REPO_ACCESS_IS_OK", "yes")  # each test restores a copy of the module's repository
        yield env


@pytest.fixture(scope="module")
def source(tmp_path_factory, passwords) -> Path:
    """The files, and a restic and a borg repository of them: made once, copied by each test."""
    folder = tmp_path_factory.mktemp("source")
    for name, size in SIZES.items():
        (folder / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "data" / name).write_bytes(os.urandom(size))
    passwords.setenv("RESTIC_CACHE_DIR", str(folder / "restic-cache"))
    passwords.setenv("BORG_BASE_DIR", str(folder / "borg-home"))
    if shutil.which("restic"):
        run("restic", "init", "-q", "-r", str(folder / "restic"))
        run("restic", "-r", str(folder / "restic"), "backup", "-q", "data", cwd=folder)
    if shutil.which("borg"):
        run("borg", "init", "-e", "repokey", str(folder / "borg"))
        run("borg", "create", f"{folder / 'borg'}::nightly-1", "data", cwd=folder)
    return folder


@pytest.fixture
def data(source, tmp_path) -> Path:
    shutil.copytree(source / "data", tmp_path / "data")
    return tmp_path


def tool(name: str) -> None:
    require_service(name, shutil.which(name) is not None, f"the Debian package providing {name!r} is not installed")


def run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    assert done.returncode == 0, f"{cmd}: {done.stderr}"
    return done


@pytest.fixture
def restic(source, data) -> Path:
    """A copy of the module's restic repository, this test's to damage."""
    tool("restic")
    return shutil.copytree(source / "restic", data / "restic")


@pytest.fixture
def borg(source, data) -> Path:
    tool("borg")
    return shutil.copytree(source / "borg", data / "borg")


def state(job: BackupJob) -> dict:
    return backup_status(BackupJob.objects.get(pk=job.pk))


def largest_file(folder: Path) -> Path:
    return max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)


def alter(path: Path, at: int) -> None:
    path.chmod(0o600)
    with path.open("r+b") as f:
        f.seek(at)
        byte = f.read(1)
        f.seek(at)
        f.write(bytes([byte[0] ^ 0xFF]))


def agent(job: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = restore.restore_test_and_report(job, timeout=5, out=out, err=err, **dict(args))
    return code, out.getvalue(), err.getvalue()


def test_the_sample_is_n_files_at_random_and_always_holds_the_largest():
    entries = [restore.Entry(f"/f{i}", i % 97) for i in range(1000)] + [restore.Entry("/huge", 10**9)]
    samples = [restore.pick(iter(entries), 20, random.Random(seed)) for seed in range(5)]
    assert all(len(s) == 20 and restore.Entry("/huge", 10**9) in s for s in samples)
    assert len({tuple(s) for s in samples}) == 5, "each test restores other files"
    assert restore.pick(entries[:3], 20, random.Random(0)) == sorted(entries[:3], key=lambda e: e.path)


@pytest.mark.django_db(transaction=True)
def test_a_restic_restore_test_passes_and_the_server_keeps_what_was_checked(live_server, restic, nightly):
    repo = restic
    done = subprocess.run(
        [sys.executable, "-m", "custode_agent", "restore-test", "--job", f"{live_server.url}/backup/{nightly.token}",
         "--restic", str(repo)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(AGENT)},
        timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    test = RestoreTest.objects.get(job=nightly)
    assert (test.result, test.files_checked, test.bytes) == ("ok", 4, sum(SIZES.values()))
    assert test.evidence.startswith("restore test ok: 4 files, 2,005,712 bytes restored and verified")
    assert "restic check: no errors were found" in test.evidence and "finished verifying 4 files" in test.evidence
    for name in SIZES:
        assert f"  ok       /data/{name}  {SIZES[name]:,} bytes  sha256 " in test.evidence
    assert test.duration_s > 0 and done.stdout.strip() == test.evidence
    assert state(nightly)["last_restore_test"]["result"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_restic_repository_missing_a_data_pack_fails_naming_the_pack(live_server, restic, nightly):
    repo = restic
    pack = largest_file(repo / "data")
    pack.unlink()
    code, out, _ = agent(f"{live_server.url}/backup/{nightly.token}", ("repo", restore.Restic(str(repo))))
    assert code == 1
    test = RestoreTest.objects.get(job=nightly)
    assert test.result == "failed"
    assert test.evidence.splitlines()[0].startswith(f"restic check of {repo} failed: "
                                                    f"pack {pack.name}: does not exist")
    status = state(nightly)
    assert status["state"] == "failed" and f"the last restore test failed: restic check of " \
        f"{repo} failed: pack {pack.name}" in status["reasons"][0]


@pytest.mark.django_db(transaction=True)
def test_a_restic_data_pack_altered_fails_naming_the_file_it_held(live_server, restic, nightly):
    repo = restic
    alter(largest_file(repo / "data"), 1_000_000)
    code, out, _ = agent(f"{live_server.url}/backup/{nightly.token}", ("repo", restore.Restic(str(repo))))
    assert code == 1
    test = RestoreTest.objects.get(job=nightly)
    assert (test.result, test.files_checked) == ("failed", 4)
    named = re.search(r"1 of 4 files not restored whole: /data/(\S+) \(ciphertext verification failed\)",
                      test.evidence.splitlines()[0])
    assert named, test.evidence
    assert f"  FAILED   /data/{named[1]}  {SIZES[named[1]]:,} bytes: ciphertext verification failed" in test.evidence
    assert state(nightly)["state"] == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_borg_restore_test_passes_and_an_altered_segment_then_fails_it(live_server, borg, nightly):
    repo = borg
    job = f"{live_server.url}/backup/{nightly.token}"
    code, out, err = agent(job, ("repo", restore.Borg(str(repo))), ("sample", 2))
    assert code == 0, out + err
    passed = RestoreTest.objects.get(job=nightly)
    assert (passed.result, passed.files_checked) == ("ok", 2)
    assert "borg archive nightly-1 of " in passed.evidence and "  ok       data/big.bin  2,000,000 bytes" in \
        passed.evidence, "a sample of 2 holds the largest file"

    segment = largest_file(repo / "data")
    alter(segment, 1_000_000)
    code, out, _ = agent(job, ("repo", restore.Borg(str(repo))))
    assert code == 1
    failed = RestoreTest.objects.filter(job=nightly).first()
    assert failed.result == "failed" and failed.files_checked == 4
    first = failed.evidence.splitlines()[0]
    assert f"borg could not restore the sample: Data integrity error: Segment entry checksum mismatch " \
           f"[segment {segment.name}, offset" in first
    assert re.search(r"files not restored whole: data/\S+ \(", first), "the files the corrupt data held are named"
    assert state(nightly)["state"] == "failed"


def test_bad_arguments_are_refused_naming_the_argument(capsys):
    for args, said in [
        (["--restic", "r", "--sample", "0"], "argument --sample: 0 files: give at least 1"),
        (["--restic", "r", "--borg", "b"], "argument --borg: not allowed with argument --restic"),
        (["--restic", "r", "--dump", "x.sql"], "--dump needs the server to load it into: --postgres URL or --mysql"),
        (["--restic", "r", "--mysql", "mysql://root@db"], "--mysql needs the --dump FILE to load"),
        ([], "give the repository to test (--restic REPO or --borg REPO), or a --dump FILE"),
    ]:
        with pytest.raises(SystemExit) as exited:
            cli.main(["restore-test", "--job", UNREACHABLE, *args])
        assert exited.value.code == 2 and said in capsys.readouterr().err


# -- database dumps --------------------------------------------------------------------------------------------


def scratch_databases_left(engine: str) -> str:
    if engine == "postgres":
        return run("psql", "-X", "-At", "-d", f"{PG}/postgres", "-c",
                   "SELECT datname FROM pg_database WHERE datname LIKE 'custode_restore_test_%'").stdout.strip()
    return run("mysql", "-h", "127.0.0.1", "-u", "root", "-N", "-e", "SHOW DATABASES LIKE 'custode_restore_test_%'"
               ).stdout.strip()


@pytest.fixture
def pg_source():
    tool("pg_dump"), tool("psql")
    require_service("PostgreSQL", port_open("127.0.0.1", 5432))
    run("psql", "-X", "-d", f"{PG}/postgres", "-c", f'DROP DATABASE IF EXISTS "{SOURCE_DB}"', "-c",
        f'CREATE DATABASE "{SOURCE_DB}"')
    run("psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", f"{PG}/{SOURCE_DB}", "-c",
        "CREATE TABLE customers (id int PRIMARY KEY, name text); CREATE TABLE invoices (id int, customer int);"
        "CREATE SCHEMA billing; CREATE TABLE billing.\"Rates\" (hour numeric);"
        "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 25) g;"
        "INSERT INTO invoices SELECT g, g % 25 FROM generate_series(1, 130) g;")
    yield f"{PG}/{SOURCE_DB}"
    run("psql", "-X", "-d", f"{PG}/postgres", "-c", f'DROP DATABASE IF EXISTS "{SOURCE_DB}"')


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_dump_in_a_restic_snapshot_is_loaded_into_a_scratch_database_and_counted(
        live_server, data, restic, nightly, pg_source):
    run("pg_dump", "--no-owner", "-f", str(data / "data" / "app.sql"), pg_source)
    run("restic", "-r", str(restic), "backup", "-q", "data", cwd=data)
    repo = restic
    code, out, err = agent(f"{live_server.url}/backup/{nightly.token}", ("repo", restore.Restic(str(repo))),
                           ("sample", 1), ("dump", str(data / "data" / "app.sql")), ("engine", "postgres"),
                           ("url", f"{PG}/postgres"))
    assert code == 0, out + err
    test = RestoreTest.objects.get(job=nightly)
    assert test.result == "ok" and test.files_checked == 2, "the largest file (always sampled), and the dump"
    assert "  ok       /data/app.sql  " in test.evidence
    assert ": 3 tables, 155 rows" in test.evidence
    for line in ("  billing.Rates: 0 rows", "  public.customers: 25 rows", "  public.invoices: 130 rows"):
        assert line in test.evidence
    assert scratch_databases_left("postgres") == ""


def test_a_postgresql_dump_that_does_not_load_fails_naming_the_error(data, pg_source):
    dump = data / "broken.sql"
    dump.write_text(run("pg_dump", pg_source).stdout.replace("CREATE TABLE public.invoices", "CREATE TABLE pub lic"))
    out, _ = restore.run(dump=str(dump), engine="postgres", url=PG)
    assert out.problems and out.problems[0].startswith(f"the PostgreSQL dump {dump} (")
    assert "did not load: psql:<stdin>:" in out.problems[0], "the line is named"
    assert 'ERROR:  syntax error at or near "lic"' in out.problems[0]
    created = data / "created.sql"
    created.write_text(run("pg_dump", "-C", pg_source).stdout)
    out, _ = restore.run(dump=str(created), engine="postgres", url=PG)
    assert "selects a database of its own (CREATE DATABASE" in out.problems[0], "never loaded into the real database"
    assert scratch_databases_left("postgres") == ""


@pytest.fixture
def mariadb_source():
    tool("mysqldump"), tool("mysql")
    require_service("MariaDB", port_open("127.0.0.1", 3306))
    mysql = ["mysql", "-h", "127.0.0.1", "-u", "root"]
    run(*mysql, "-e", f"DROP DATABASE IF EXISTS `{SOURCE_DB}`; CREATE DATABASE `{SOURCE_DB}`; USE `{SOURCE_DB}`;"
        "CREATE TABLE tickets (id int PRIMARY KEY, subject text); CREATE TABLE `odd``name` (x int);"
        "INSERT INTO tickets VALUES " + ",".join(f"({i}, 's{i}')" for i in range(1, 41)) + ";"
        "INSERT INTO `odd``name` VALUES (1), (2);")
    yield SOURCE_DB
    run(*mysql, "-e", f"DROP DATABASE IF EXISTS `{SOURCE_DB}`")


def test_a_mariadb_dump_is_loaded_into_a_scratch_database_counted_and_reported(data, mariadb_source):
    dump = data / "tickets.sql"
    dump.write_text(run("mysqldump", "-h", "127.0.0.1", "-u", "root", mariadb_source).stdout)
    code, out, err = agent(UNREACHABLE, ("dump", str(dump)), ("engine", "mysql"), ("url", MARIADB))
    assert code == 75, "a good test the server never heard of is not a success"
    assert f"cannot report the restore test to {UNREACHABLE}/restore-test" in err
    assert out.startswith(f"restore test ok: 1 file, {dump.stat().st_size:,} bytes")
    assert ": 2 tables, 42 rows" in out and "  odd`name: 2 rows" in out and "  tickets: 40 rows" in out
    assert scratch_databases_left("mysql") == ""


def test_a_mariadb_dump_of_its_own_database_is_refused_unloaded(data, mariadb_source):
    dump = data / "all.sql"
    dump.write_text(run("mysqldump", "-h", "127.0.0.1", "-u", "root", "--databases", mariadb_source).stdout)
    run("mysql", "-h", "127.0.0.1", "-u", "root", "-e", f"DROP TABLE `{mariadb_source}`.tickets")
    out, _ = restore.run(dump=str(dump), engine="mysql", url=MARIADB)
    assert "selects a database of its own (CREATE DATABASE" in out.problems[0]
    tables = run("mysql", "-h", "127.0.0.1", "-u", "root", "-N", "-e", f"SHOW TABLES FROM `{mariadb_source}`")
    assert tables.stdout.split() == ["odd`name"], "the source database was not written to"
    assert scratch_databases_left("mysql") == ""
