"""What ``custode-agent run`` reports about the machine, read from Linux's /proc and /sys (standard library only).

Each reading is its own small function that returns None or leaves its key out when the machine does not
offer it (a container without /sys/class/dmi, a disk that cannot be read): a missing number is better than
an agent that stops reporting.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
from typing import Any

from custode_agent import updates

# file systems that hold data; the others in /proc/mounts (proc, tmpfs, cgroup, overlay layers...) do not
DISK_TYPES = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "vfat", "exfat", "ntfs", "ntfs3", "f2fs", "jfs",
              "reiserfs", "nfs", "nfs4", "cifs", "fuseblk"}


def report(*, services: list[str] = (), pending: dict | None = None, cpu_window: float = 0.25) -> dict[str, Any]:
    """The machine now; PENDING the update counts (``updates.pending``), read by the caller at its own pace."""
    memory, swap = _memory()
    body = {
        "load": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count() or 1,
        "cpu_percent": cpu_percent(cpu_window),
        "memory": memory,
        "swap": swap,
        "disks": disks(),
        "uptime_s": _uptime(),
        "network": network(),
        "services": {name: service_active(name) for name in services},
        "inventory": inventory(memory["total"]),
    }
    if pending is not None:
        body["updates"] = pending
    return body


def service_active(name: str) -> bool:
    """Whether systemd says the unit NAME is active; without systemd, whether a process has that name."""
    if os.path.isdir("/run/systemd/system"):
        try:
            return subprocess.run(["systemctl", "is-active", "--quiet", name], timeout=10,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if (_read(f"/proc/{pid}/comm") or "").strip() == name:
            return True
    return False


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


def cpu_percent(window: float) -> float | None:
    """CPU busy, in percent, over WINDOW seconds from now."""
    idle0, total0 = _cpu_times()
    time.sleep(window)
    idle1, total1 = _cpu_times()
    if total1 <= total0:
        return None
    return round(100.0 * (1 - (idle1 - idle0) / (total1 - total0)), 1)


def _meminfo() -> dict[str, int]:
    values = {}
    for line in (_read("/proc/meminfo") or "").splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0]) * 1024  # kB
    return values


def _memory() -> tuple[dict[str, Any], dict[str, Any]]:
    info = _meminfo()
    total = info.get("MemTotal", 0)
    available = info.get("MemAvailable", info.get("MemFree", 0))
    swap_total, swap_free = info.get("SwapTotal", 0), info.get("SwapFree", 0)
    memory = {"total": total, "available": available, "percent": _percent(total - available, total)}
    swap = {"total": swap_total, "used": swap_total - swap_free, "percent": _percent(swap_total - swap_free, swap_total)}
    return memory, swap


def _percent(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def disks() -> list[dict[str, Any]]:
    """Each mounted file system holding data, once per device (a bind mount is the same disk twice)."""
    found, seen = [], set()
    for line in (_read("/proc/mounts") or "").splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[0] in seen or (parts[2] not in DISK_TYPES and parts[1] != "/"):
            continue
        mount = parts[1].replace("\\040", " ")
        try:
            st = os.statvfs(mount)
        except OSError:
            continue
        seen.add(parts[0])
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        usable = used + st.f_bavail * st.f_frsize  # as df counts: the root-reserved blocks are not usable
        found.append({"mount": mount, "device": parts[0], "fstype": parts[2], "size": st.f_blocks * st.f_frsize,
                      "used": used, "percent": _percent(used, usable), "inodes": st.f_files or None,
                      "inodes_used": (st.f_files - st.f_ffree) if st.f_files else None})
    return found


def _uptime() -> float | None:
    text = _read("/proc/uptime")
    return float(text.split()[0]) if text else None


def network() -> dict[str, dict[str, int]]:
    """Bytes and packets in and out since boot, per interface but the loopback."""
    counters = {}
    for line in (_read("/proc/net/dev") or "").splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if name.strip() == "lo" or len(fields) < 10:
            continue
        counters[name.strip()] = {"rx_bytes": int(fields[0]), "rx_packets": int(fields[1]),
                                  "tx_bytes": int(fields[8]), "tx_packets": int(fields[9])}
    return counters


def inventory(memory: int) -> dict[str, Any]:
    found = {"hostname": socket.gethostname(), "os": _os_name(), "kernel": platform.release(),
             "arch": platform.machine(), "cpu_model": _cpu_model(), "cores": os.cpu_count(), "memory": memory,
             "packages": updates.installed_count()}
    for key, name in (("vendor", "sys_vendor"), ("model", "product_name"), ("serial", "product_serial")):
        value = (_read(f"/sys/class/dmi/id/{name}") or "").strip()  # the serial is readable by root only
        if value:
            found[key] = value
    return found


def _os_name() -> str:
    for line in (_read("/etc/os-release") or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def _cpu_model() -> str:
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith(("model name", "Model", "Hardware")):
            return line.split(":", 1)[1].strip()
    return platform.processor()
