"""``custode-agent restore-test``: prove a backup restores, and report the proof (DESIGN.md, "Backups").

A random sample of the newest snapshot's files (``--sample``, default 20, always with the largest file) is
restored into a temporary directory and checked against the repository's own hashes:

- restic: ``restic --no-lock check`` first (every pack the index names exists, every snapshot's trees and
  blobs are indexed; a restore from a repository missing a pack would retry each read for about a minute), then
  ``restic restore --verify``, which decrypts each blob (authenticated), and reads every restored file back,
  comparing each chunk's SHA-256 with its blob id.
- borg: ``borg extract``, which checks each chunk's segment CRC32, decrypts it (authenticated) and compares
  its id hash with the id the archive names.

Each restored file's size is compared with the snapshot's listing and its SHA-256 is kept in the evidence.
A database dump (``--dump FILE``, from the snapshot when a repository is given, else a local file) is loaded
into a scratch database (``dumps.py``) and its tables and rows counted. The report is the server's
``/backup/<uuid>/restore-test``: ``{result, files_checked, bytes, duration_s, evidence}``; the evidence's
first line is the verdict, the reason when it failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from custode_agent import dumps
from custode_agent.backup import EX_TEMPFAIL, post, try_report

DEFAULT_SAMPLE = 20
EVIDENCE_MAX = 32 * 1024  # what the server keeps
BORG_NOISE = re.compile(r"^(Warning: The repository at location|Do you want to continue|Platform:|Linux:|Borg:|PID:|"
                        r"sys\.argv:|SSH_ORIGINAL_COMMAND:|Local Exception|During handling|Traceback|\s)")


@dataclass(frozen=True)
class Entry:
    path: str  # as the snapshot lists it
    size: int


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def fail(self, problem: str, *lines: str) -> "Outcome":
        self.problems.append(problem)
        self.lines.extend(lines)
        return self


class ToolFailed(Exception):
    pass


@dataclass
class Restored:
    """What the tool said of its restore: an error, the files it named as not restored, the verification."""
    error: str = ""
    failed: dict[str, str] = field(default_factory=dict)
    verified: str = ""


def pick(entries: Iterable[Entry], n: int, rng: random.Random) -> list[Entry]:
    """N of ENTRIES at random (all when fewer), always with the largest; read once, kept N at a time."""
    sample: list[Entry] = []
    largest = None
    for seen, entry in enumerate(entries):
        if largest is None or entry.size > largest.size:
            largest = entry
        if len(sample) < n:
            sample.append(entry)
        elif rng.randrange(seen + 1) < n:
            sample[rng.randrange(n)] = entry
    if largest is not None and largest not in sample:
        sample[rng.randrange(len(sample))] = largest
    return sorted(sample, key=lambda e: e.path)


def dump_entry(entries: list[Entry], dump: str) -> Entry | None:
    """The entry of DUMP: as listed, or the file as it was on the machine (restic keeps the last directory)."""
    wanted = dump.strip("/")
    for entry in entries:
        if entry.path.strip("/") == wanted:
            return entry
    ends = [e for e in entries if wanted.endswith("/" + e.path.strip("/"))]
    return max(ends, key=lambda e: len(e.path)) if ends else None


def _run(cmd: list[str], cwd: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", cwd=cwd)
    except OSError as e:
        raise ToolFailed(f"cannot run {cmd[0]}: {e}") from None


def said(stderr: str, limit: int = 12) -> str:
    """What a tool said went wrong: its messages, without progress, prompts or a Python traceback's frames.

    Of chained exceptions (borg's "During handling of the above exception") only the last is kept, and an
    exception line repeating a message already said (``borg.helpers.errors.IntegrityError: <message>``) is not.
    """
    stderr = re.split(r"During handling of the above exception.*", stderr)[-1]
    kept: list[str] = []
    for line in (line.rstrip() for line in stderr.splitlines()):
        if not line.strip() or BORG_NOISE.match(line) or line.startswith("["):
            continue
        if ":" in line and line.split(":", 1)[1].strip() in kept and re.match(r"[\w.]+(Error|Exception):", line):
            continue
        if line not in kept:
            kept.append(line)
    return "\n".join(kept[:limit])[:4000]


def failed_paths(stderr: str) -> dict[str, str]:
    """The files restic named as not restored ("ignoring error for /path: why"), with why."""
    found: dict[str, str] = {}
    for line in stderr.splitlines():
        matched = re.match(r"ignoring error for (.+?): (.+)$", line.strip())
        if matched and not matched.group(2).startswith("UtimesNano"):
            found.setdefault(matched.group(1), matched.group(2))
    return found


def _streamed(cmd: list[str], what: str) -> Iterator[str]:
    """CMD's stdout line by line (a snapshot of a million files is never held whole); ``ToolFailed`` naming
    WHAT on error."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace")
    except OSError as e:
        raise ToolFailed(f"cannot run {cmd[0]}: {e}") from None
    with proc:
        yield from proc.stdout
        stderr = proc.stderr.read()
    if proc.returncode:
        raise ToolFailed(f"{cmd[0]} cannot list the files of {what}: "
                         f"{said(stderr) or f'it exited with {proc.returncode}'}")


def _json_lines(lines: Iterable[str]) -> Iterator[dict]:
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            yield item


class Restic:
    tool = "restic"
    verified = "restored with restic restore --verify: each chunk's SHA-256 read back matches its blob id"

    def __init__(self, repo: str):
        self.repo = repo

    def _cmd(self, *args: str) -> list[str]:
        return ["restic", "-r", self.repo, *args]

    def check(self) -> str:
        """``restic check`` without its exclusive lock, which would make a backup starting meanwhile fail; a
        backup running meanwhile only leaves packs not yet indexed, which check counts as no error."""
        done = _run(self._cmd("--no-lock", "check"))
        if done.returncode:
            raise ToolFailed(f"restic check of {self.repo} failed: {said(done.stderr)}")
        return "restic check: no errors were found (every indexed pack exists; every snapshot's trees and blobs " \
               "are indexed)"

    def newest(self) -> tuple[str, str, Iterator[Entry]]:
        """The newest snapshot's id, a description of it, and its files as they are listed.

        ``restic ls --json latest`` prints the snapshot, then its nodes: one listing for both.
        """
        nodes = _json_lines(_streamed(self._cmd("ls", "--json", "latest"), "the newest snapshot"))
        first = next(nodes, None)
        if first is None:
            raise ToolFailed(f"the restic repository {self.repo} has no snapshot")
        if first.get("struct_type") != "snapshot":
            raise ToolFailed(f"restic listed the newest snapshot of {self.repo} in a form not understood")
        paths = ", ".join(first.get("paths") or [])
        described = (f"restic snapshot {first.get('short_id', first['id'][:8])} of {first.get('time', '?')} "
                     f"({first.get('hostname', '?')}: {paths})")
        files = (Entry(n["path"], int(n.get("size") or 0)) for n in nodes
                 if n.get("struct_type") == "node" and n.get("type") == "file")
        return first["id"], described, files

    def restore(self, snapshot: str, sample: list[Entry], target: Path) -> Restored:
        includes = [arg for e in sample for arg in ("--include", re.sub(r"([\\*?\[\]])", r"\\\1", e.path))]
        done = _run(self._cmd("restore", snapshot, "--target", str(target), "--verify", *includes))
        if done.returncode == 0:
            return Restored(verified=_last(done.stdout, "finished verifying"))
        return Restored(said(done.stderr) or f"restic exited with {done.returncode}", failed=failed_paths(done.stderr))

    def restored(self, target: Path, entry: Entry) -> Path:
        return target / entry.path.lstrip("/")


class Borg:
    tool = "borg"
    verified = "extracted with borg extract: each chunk's CRC32, authentication and id hash checked"

    def __init__(self, repo: str):
        # extract runs in the temporary directory: a local repository's path must not depend on the cwd
        self.repo = os.path.abspath(repo) if os.path.exists(repo) else repo

    def _cmd(self, *args: str) -> list[str]:
        return ["borg", "--lock-wait", "600", *args]

    def check(self) -> str:
        return ""  # borg check reads every segment: extract checks what it restores

    def newest(self) -> tuple[str, str, Iterator[Entry]]:
        done = _run(self._cmd("list", "--json", "--last", "1", self.repo))
        if done.returncode:
            raise ToolFailed(f"borg cannot list the archives of {self.repo}: {said(done.stderr)}")
        try:
            archives = json.loads(done.stdout).get("archives") or []
        except (ValueError, AttributeError):
            raise ToolFailed(f"borg listed the archives of {self.repo} in a form not understood") from None
        if not archives:
            raise ToolFailed(f"the borg repository {self.repo} has no archive")
        name = archives[-1]["name"]
        items = _json_lines(_streamed(self._cmd("list", "--json-lines", f"{self.repo}::{name}"), f"archive {name}"))
        files = (Entry(i["path"], int(i.get("size") or 0)) for i in items if i.get("type") == "-")
        return name, f"borg archive {name} of {archives[-1].get('time', '?')}", files

    def restore(self, archive: str, sample: list[Entry], target: Path) -> Restored:
        done = _run(self._cmd("extract", f"{self.repo}::{archive}", *(f"pp:{e.path}" for e in sample)),
                    cwd=str(target))
        return Restored("" if done.returncode == 0 else said(done.stderr) or f"borg exited with {done.returncode}")

    def restored(self, target: Path, entry: Entry) -> Path:
        return target / entry.path.lstrip("/")


def _last(text: str, starting: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip().startswith(starting)), "")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sample_repository(repo, n: int, target: Path, rng: random.Random,
                      dump: str | None = None) -> tuple[Outcome, Path | None]:
    """Restore and verify a sample of REPO's newest snapshot in TARGET; the outcome, and the dump restored."""
    out = Outcome()
    try:
        checked = repo.check()
        if checked:
            out.lines.append(checked)
        snapshot, described, files = repo.newest()
        out.lines.append(f"{described}, repository {repo.repo}")
        entries = list(files) if dump else None
        sample = pick(entries if entries is not None else files, n, rng)
    except ToolFailed as e:
        return out.fail(str(e)), None
    if not sample:
        return out.fail(f"the {repo.tool} snapshot {snapshot} holds no files"), None
    wanted = dump_entry(entries, dump) if dump else None
    if dump and wanted is None:
        out.fail(f"the dump {dump} is not in the {repo.tool} snapshot {snapshot}")
    elif wanted and wanted not in sample:
        sample.append(wanted)
    out.files, out.bytes = len(sample), sum(e.size for e in sample)
    restored = repo.restore(snapshot, sample, target)
    if restored.error:
        out.fail(f"{repo.tool} could not restore the sample: {restored.error.splitlines()[0]}",
                 f"{repo.tool} said:", *("  " + line for line in restored.error.splitlines()))
    _compare(repo, sample, target, out, restored)
    return out, (repo.restored(target, wanted) if wanted and not out.problems else None)


def _compare(repo, sample: list[Entry], target: Path, out: Outcome, restored: Restored) -> None:
    """Each sampled file restored with the size the snapshot lists: the evidence's list of files.

    A file is ``ok`` only when the whole restore succeeded (restic's verification runs after it); after a
    failed one the others are listed as ``restored`` with their size and hash, not as verified.
    """
    bad = []
    verified = f" ({restored.verified})" if restored.verified else ""
    lines = [f"{len(sample)} files, {out.bytes:,} bytes, {repo.verified}{verified}"]
    good = "ok      " if not restored.error else "restored"
    for entry in sample:
        path = repo.restored(target, entry)
        if entry.path in restored.failed:
            bad.append(f"{entry.path} ({restored.failed[entry.path]})")
            lines.append(f"  FAILED   {entry.path}  {entry.size:,} bytes: {restored.failed[entry.path]}")
        elif not path.is_file():
            bad.append(f"{entry.path} (not restored)")
            lines.append(f"  MISSING  {entry.path}  {entry.size:,} bytes")
        elif path.stat().st_size != entry.size:
            bad.append(f"{entry.path} ({path.stat().st_size:,} bytes restored of {entry.size:,})")
            lines.append(f"  SIZE     {entry.path}  {path.stat().st_size:,} of {entry.size:,} bytes")
        else:
            lines.append(f"  {good} {entry.path}  {entry.size:,} bytes  sha256 {sha256(path)}")
    out.lines.extend(lines)
    if bad:
        out.problems.append(f"{len(bad)} of {len(sample)} files not restored whole: {', '.join(bad[:5])}"
                            + (f" and {len(bad) - 5} more" if len(bad) > 5 else ""))


def evidence(out: Outcome, seconds: float) -> str:
    """The verdict first, then what was tested. A failure's first line is only what is wrong: the server shows
    it as the reason ("the last restore test failed: <first line>")."""
    if out.problems:
        head = "; ".join(out.problems)
    else:
        files = f"{out.files} file" + ("" if out.files == 1 else "s")
        head = f"restore test ok: {files}, {out.bytes:,} bytes restored and verified in {seconds:.1f} s"
    text = "\n".join([head.replace("\n", " / "), *out.lines])
    return text if len(text) <= EVIDENCE_MAX else text[:EVIDENCE_MAX - 20] + "\n... (cut)"


def run(*, repo=None, sample: int = DEFAULT_SAMPLE, dump: str | None = None, engine: str | None = None,
        url: str | None = None, tmpdir: str | None = None, rng: random.Random | None = None) -> tuple[Outcome, float]:
    """The whole test: the repository's sample, then the dump; the outcome and its duration."""
    started = time.monotonic()
    out = Outcome()
    target = Path(tempfile.mkdtemp(prefix="custode-restore-test-", dir=tmpdir))
    try:
        loaded_from = Path(dump) if dump and repo is None else None
        if repo is not None:
            out, loaded_from = sample_repository(repo, sample, target, rng or random.Random(), dump)
        elif not loaded_from.is_file():
            out.fail(f"the dump {dump} is not a file")
            loaded_from = None
        else:
            out.files, out.bytes = 1, loaded_from.stat().st_size
        if dump and loaded_from is not None:
            loaded = dumps.load_and_count(loaded_from, engine, url)
            out.lines.extend(loaded.lines)
            if not loaded.ok:
                out.problems.append(loaded.problem)
        elif dump:
            out.lines.append(f"dump {dump}: not loaded (not restored)")
    finally:
        shutil.rmtree(target, ignore_errors=True)
    return out, round(time.monotonic() - started, 3)


def restore_test_and_report(job: str, *, timeout: float, out: IO[str], err: IO[str], **test) -> int:
    """Run the test, print its evidence, report it to JOB; 0 ok, 1 failed, 75 (EX_TEMPFAIL) when unreported."""
    outcome, seconds = run(**test)
    text = evidence(outcome, seconds)
    print(text, file=out)
    report = {"result": "failed" if outcome.problems else "ok", "files_checked": outcome.files,
              "bytes": outcome.bytes, "duration_s": seconds, "evidence": text}
    job = job.rstrip("/")
    url = f"{job}/restore-test"
    reported = try_report(lambda: post(url, report, timeout), "the restore test", url, err)
    if outcome.problems:
        return 1
    return 0 if reported else EX_TEMPFAIL
