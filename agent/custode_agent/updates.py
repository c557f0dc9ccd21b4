"""Pending package updates, security ones counted apart, and the installed packages: apt and dnf.

apt: ``/usr/lib/update-notifier/apt-check`` (Ubuntu) when present, which prints ``pending;security`` on stderr;
else a simulated ``apt-get -s upgrade``, whose ``Inst`` lines name each package's origin: a security one comes
from an archive whose name ends in ``-security`` (``Debian-Security:12/stable-security``, ``jammy-security``).
dnf: ``dnf check-update`` lists the pending ones, ``dnf updateinfo list --security`` the advisories' packages.
Neither refreshes the package lists: the machine's own apt timer or dnf-makecache does that.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from typing import Any

APT_CHECK = "/usr/lib/update-notifier/apt-check"
APT_HISTORY = "/var/log/apt/history.log"
DPKG_STATUS = "/var/lib/dpkg/status"


def pending() -> dict[str, Any] | None:
    """``{pending, security, manager, last_upgrade}``, or None on a machine with neither apt nor dnf."""
    if shutil.which("apt-get"):
        counts = _apt_check() or apt_counts(_run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"]))
        return {**counts, "manager": "apt", "last_upgrade": apt_last_upgrade(_text(APT_HISTORY))}
    if shutil.which("dnf"):
        listed = _run(["dnf", "-q", "-C", "check-update"], ok=(0, 100))
        security = _run(["dnf", "-q", "-C", "updateinfo", "list", "--security", "--available"])
        return {**dnf_counts(listed, security), "manager": "dnf", "last_upgrade": None}
    return None


def _run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode in ok else ""


def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _apt_check() -> dict[str, int] | None:
    if not os.access(APT_CHECK, os.X_OK):
        return None
    try:
        done = subprocess.run([APT_CHECK], capture_output=True, text=True, timeout=300)
        pending_, security = (int(x) for x in done.stderr.strip().split(";")[:2])
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    return {"pending": pending_, "security": security}


def apt_counts(simulated: str) -> dict[str, int]:
    """Counts from ``apt-get -s upgrade``'s output: one ``Inst`` line per package to upgrade."""
    lines = [line for line in simulated.splitlines() if line.startswith("Inst ")]
    security = sum(1 for line in lines if "-security" in line.rpartition("(")[2].lower())
    return {"pending": len(lines), "security": security}


def apt_last_upgrade(history: str) -> str | None:
    """When apt last upgraded a package, from its history log (local time, as apt writes it)."""
    last = None
    for block in history.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.strip().splitlines() if ": " in line)
        if "Upgrade" in fields and "Start-Date" in fields:
            last = fields["Start-Date"]
    if last is None:
        return None
    try:
        at = dt.datetime.strptime(" ".join(last.split()), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return at.astimezone().isoformat()


def dnf_counts(listed: str, security: str) -> dict[str, int]:
    """Counts from ``dnf check-update`` (``name.arch  version  repo`` per package, then any obsoletes) and
    ``dnf updateinfo list --security`` (``advisory  severity/Sec.  package-version``: one package per line)."""
    packages = set()
    for line in listed.splitlines():
        if line.startswith("Obsoleting"):
            break
        parts = line.split()
        if len(parts) == 3 and "." in parts[0] and not line.startswith((" ", "Last metadata")):
            packages.add(parts[0])
    secure = {line.split()[-1] for line in security.splitlines() if len(line.split()) == 3}
    return {"pending": len(packages), "security": len(secure)}


def installed_count() -> int | None:
    """Packages installed, by dpkg's status file or rpm."""
    status = _text(DPKG_STATUS)
    if status:
        return status.count("Status: install ok installed")
    if shutil.which("rpm"):
        return len(_run(["rpm", "-qa"]).splitlines()) or None
    return None
