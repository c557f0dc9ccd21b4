"""``custode-agent backup --job URL -- CMD...``: run a backup, then report what it did (DESIGN.md, "Backups").

The report is what the server's ``/backup/<uuid>`` takes: ``{status, bytes, files, duration_s, snapshot,
tool}``. restic (with ``--json``) ends with a ``summary`` line and borg (``create --json``) prints one JSON
document: bytes, files and the snapshot come from there. Anything else (rsync, pg_dump, mysqldump) is
judged by its exit code alone. The duration is the wrapper's own clock around the whole command.

A backup is never held back by monitoring: the ``/start`` report failing is said on stderr and the
command runs anyway. Its exit code is the wrapper's; a finish that could not be reported after a
successful run exits 75 (EX_TEMPFAIL), so cron's mail says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from typing import IO, Any

# Exit codes that still mean a complete snapshot: borg's 1 is "finished with warnings" (a file changed while
# read); restic's 3 ("some source files could not be read") is an incomplete snapshot, so a failure.
SUCCESS = {"borg": (0, 1)}
EX_TEMPFAIL = 75


def tool_of(cmd: list[str]) -> str:
    return os.path.basename(cmd[0])[:40]


def summary(tool: str, exit_code: int, stdout: str) -> dict[str, Any]:
    """The report of a run of TOOL that exited with EXIT_CODE and printed STDOUT (duration not included)."""
    ok = exit_code in SUCCESS.get(tool, (0,))
    report: dict[str, Any] = {"status": "ok" if ok else "failed", "tool": tool}
    if ok and tool == "restic":
        report.update(_restic(stdout))
    elif ok and tool == "borg":
        report.update(_borg(stdout))
    return report


def _restic(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("message_type") == "summary":
            return _known(bytes=message.get("total_bytes_processed"), files=message.get("total_files_processed"),
                          snapshot=message.get("snapshot_id"))
    return {}


def _borg(stdout: str) -> dict[str, Any]:
    start = stdout.find("{")
    try:
        archive = json.loads(stdout[start:])["archive"] if start >= 0 else {}
    except (ValueError, KeyError, TypeError):
        return {}
    stats = archive.get("stats") or {}
    return _known(bytes=stats.get("original_size"), files=stats.get("nfiles"), snapshot=archive.get("name"))


def _known(**values: Any) -> dict[str, Any]:
    """The values a report takes: counts that are whole non-negative numbers, a snapshot that is text."""
    out: dict[str, Any] = {}
    for name in ("bytes", "files"):
        if isinstance(values[name], int) and not isinstance(values[name], bool) and values[name] >= 0:
            out[name] = values[name]
    if isinstance(values["snapshot"], str) and values["snapshot"]:
        out["snapshot"] = values["snapshot"][:200]
    return out


def post(url: str, body: dict[str, Any] | None, timeout: float) -> None:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def run_and_report(job: str, cmd: list[str], *, timeout: float, out: IO[str], err: IO[str]) -> int:
    """Run CMD (stdout kept and passed on, stderr straight through), report to JOB; CMD's exit code."""
    job = job.rstrip("/")
    try_report(lambda: post(f"{job}/start", None, timeout), "the start", job, err)
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, errors="replace")
        code, stdout = done.returncode, done.stdout
    except OSError as e:  # not found, not executable: a failed backup, and said so
        print(f"custode-agent: cannot run {cmd[0]}: {e}", file=err)
        code, stdout = 127, ""
    out.write(stdout)
    out.flush()
    report = summary(tool_of(cmd), code, stdout)
    report["duration_s"] = round(time.monotonic() - started, 3)
    reported = try_report(lambda: post(job, report, timeout), "the finish", job, err)
    return code if code or reported else EX_TEMPFAIL


def try_report(call, what: str, job: str, err: IO[str]) -> bool:
    """CALL (a report to JOB); False, said on ERR, when the server refused it or could not be reached."""
    try:
        call()
        return True
    except urllib.error.HTTPError as e:
        said = e.read().decode("utf-8", "replace").strip()
        print(f"custode-agent: {job} refused {what}: {e.code} {said}", file=err)
    except (OSError, ValueError) as e:
        print(f"custode-agent: cannot report {what} to {job}: {e}", file=err)
    return False
