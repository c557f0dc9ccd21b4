"""A database dump proven by loading it: into a scratch database made for the test, counted, then dropped.

Through the database's own clients (``psql``/``pg_restore``, ``mysql``), so the agent needs no driver. The
server URL names where scratch databases may be created (``postgresql://user@host:5432/postgres``,
``mysql://root@127.0.0.1:3306``); its password, if any, is passed as the clients read it (PostgreSQL's URL
as given, MariaDB's as ``MYSQL_PWD`` in the client's environment), never on a command line.

A plain SQL dump is streamed through the agent, which refuses one that selects its own database
(``\\connect``, ``USE``, ``CREATE DATABASE``: from ``pg_dump -C``, ``pg_dumpall`` or ``mysqldump --databases``):
loaded as it is, it would write into that database rather than the scratch one. pg_dump's custom format
(``-Fc``) goes to ``pg_restore``; a gzip-compressed plain dump is read as such.
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

SELECTS_DATABASE = re.compile(rb"^\s*(\\connect\b|\\c\s|USE\s|CREATE\s+DATABASE\b)", re.IGNORECASE)
ENGINES = {"postgres": "PostgreSQL", "mysql": "MariaDB/MySQL"}
LISTED = 50  # tables named in the evidence; the rest are counted


class LoadFailed(Exception):
    """The dump did not load; the message says why, in the client's words."""


@dataclass
class Loaded:
    ok: bool
    problem: str = ""
    tables: list[tuple[str, int]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def scratch_name() -> str:
    return f"custode_restore_test_{os.getpid()}_{secrets.token_hex(3)}"


def load_and_count(dump: Path, engine: str, url: str) -> Loaded:
    """Load DUMP into a scratch database of ENGINE's server at URL, count its tables and rows, drop it."""
    server = Postgres(url) if engine == "postgres" else MySQL(url)
    name = scratch_name()
    label = f"{ENGINES[engine]} dump {dump} ({dump.stat().st_size:,} bytes)"
    try:
        server.create(name)
    except LoadFailed as e:
        return Loaded(False, f"could not create the scratch database {name}: {e}", lines=[f"{label}: not loaded"])
    try:
        server.load(name, dump)
        tables = server.count(name)
    except LoadFailed as e:
        return Loaded(False, f"the {label} did not load: {e}",
                      lines=[f"{label}: failed to load into scratch database {name}: {e}"])
    finally:
        dropped = server.drop(name)
    return _counted(label, name, tables, dropped)


def _counted(label: str, name: str, tables: list[tuple[str, int]], dropped: str) -> Loaded:
    rows = sum(count for _, count in tables)
    lines = [f"{label}: loaded into scratch database {name}: {len(tables)} tables, {rows:,} rows"]
    lines += [f"  {table}: {count:,} rows" for table, count in tables[:LISTED]]
    if len(tables) > LISTED:
        lines.append(f"  and {len(tables) - LISTED} more tables")
    lines.append(f"scratch database {name} {dropped}")
    if not tables:
        return Loaded(False, f"the {label} loaded but holds no tables", tables, lines)
    return Loaded(True, "", tables, lines)


def _run(cmd: list[str], *, env: dict[str, str] | None = None, stdin: IO[bytes] | None = None) -> str:
    """CMD's stdout; ``LoadFailed`` with its stderr when it fails or cannot run."""
    try:
        done = subprocess.run(cmd, stdin=stdin or subprocess.DEVNULL, capture_output=True, env=env)
    except OSError as e:
        raise LoadFailed(f"cannot run {cmd[0]}: {e}") from None
    if done.returncode:
        raise LoadFailed(_said(done.stderr) or f"{cmd[0]} exited with {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def _said(stderr: bytes, lines: int = 5) -> str:
    text = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return " / ".join(text[:lines])[:1000]


def _plain_sql(dump: Path) -> Iterator[bytes]:
    """The dump's lines (gunzipped when it is gzip); ``LoadFailed`` at a line selecting another database."""
    with dump.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    with (gzip.open(dump, "rb") if gzipped else dump.open("rb")) as source:
        for number, line in enumerate(source, 1):
            if SELECTS_DATABASE.match(line):
                said = line.decode("utf-8", "replace").strip()[:100]
                raise LoadFailed(f"line {number} selects a database of its own ({said}): make a dump of one "
                                 "database without it (pg_dump without -C; mysqldump DBNAME, not --databases)")
            yield line


def _pipe_sql(cmd: list[str], dump: Path, env: dict[str, str] | None = None) -> None:
    """Stream DUMP's plain SQL into CMD (a client reading stdin); ``LoadFailed`` with what went wrong."""
    with tempfile.TemporaryFile() as errors:
        try:
            client = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        except OSError as e:
            raise LoadFailed(f"cannot run {cmd[0]}: {e}") from None
        refused = None
        try:
            for line in _plain_sql(dump):
                client.stdin.write(line)
        except LoadFailed as e:
            refused = e
            client.kill()
        except BrokenPipeError:
            pass  # the client stopped at an error: said below
        finally:
            try:
                client.stdin.close()
            except BrokenPipeError:
                pass
        code = client.wait()
        if refused:
            raise refused
        if code:
            errors.seek(0)
            raise LoadFailed(_said(errors.read()) or f"{cmd[0]} exited with {code}")


def _index_query(tables: list[str], quote) -> str:
    return " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {quote(t)}" for i, t in enumerate(tables))


def _counts(tables: list[str], output: str) -> list[tuple[str, int]]:
    counts = dict(line.split("\t") for line in output.splitlines() if "\t" in line)
    return [(name, int(counts[str(i)])) for i, name in enumerate(tables)]


class Postgres:
    def __init__(self, url: str):
        self.url = urllib.parse.urlsplit(url)

    def _db(self, name: str | None = None) -> str:
        path = "/" + urllib.parse.quote(name) if name else (self.url.path if self.url.path not in ("", "/")
                                                            else "/postgres")
        return urllib.parse.urlunsplit(self.url._replace(path=path))

    def _psql(self, db: str, sql: str) -> str:
        return _run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql])

    def create(self, name: str) -> None:
        self._psql(self._db(), f'CREATE DATABASE "{name}"')

    def load(self, name: str, dump: Path) -> None:
        with dump.open("rb") as f:
            custom = f.read(5) == b"PGDMP"
        if custom:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", self._db(name), str(dump)])
        else:
            _pipe_sql(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self._db(name), "-f", "-"], dump)

    def count(self, name: str) -> list[tuple[str, int]]:
        listed = self._psql(self._db(name), "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', "
                            "'information_schema') ORDER BY 1")
        tables = listed.splitlines()
        if not tables:
            return []

        def quote(table: str) -> str:
            return ".".join('"' + part.replace('"', '""') + '"' for part in table.split(".", 1))

        return _counts(tables, self._psql(self._db(name), _index_query(tables, quote)))

    def drop(self, name: str) -> str:
        for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'DROP DATABASE IF EXISTS "{name}"'):
            try:
                self._psql(self._db(), sql)
                return "dropped"
            except LoadFailed as e:
                error = e
        return f"NOT dropped: {error}"


class MySQL:
    def __init__(self, url: str):
        self.url = urllib.parse.urlsplit(url)

    def _cmd(self, *args: str) -> tuple[list[str], dict[str, str]]:
        """The mysql command line for ARGS; the password (if any) in the environment, never on the line."""
        cmd = ["mysql", "--batch", "--skip-column-names", "-h", self.url.hostname or "localhost",
               "-u", urllib.parse.unquote(self.url.username or "root")]
        if self.url.port:
            cmd += ["-P", str(self.url.port)]
        env = dict(os.environ)
        if self.url.password is not None:
            env["MYSQL_PWD"] = urllib.parse.unquote(self.url.password)
        return cmd + list(args), env

    def _mysql(self, *args: str) -> str:
        cmd, env = self._cmd(*args)
        return _run(cmd, env=env)

    def create(self, name: str) -> None:
        self._mysql("-e", f"CREATE DATABASE `{name}`")

    def load(self, name: str, dump: Path) -> None:
        cmd, env = self._cmd("-D", name)
        _pipe_sql(cmd, dump, env)

    def count(self, name: str) -> list[tuple[str, int]]:
        listed = self._mysql("-D", name, "-e", "SELECT table_name FROM information_schema.tables WHERE "
                             "table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1")
        tables = listed.splitlines()
        if not tables:
            return []
        return _counts(tables, self._mysql("-D", name, "-e", _index_query(tables, lambda t: "`" + t.replace("`", "``")
                                                                                + "`")))

    def drop(self, name: str) -> str:
        try:
            self._mysql("-e", f"DROP DATABASE IF EXISTS `{name}`")
            return "dropped"
        except LoadFailed as e:
            return f"NOT dropped: {e}"
