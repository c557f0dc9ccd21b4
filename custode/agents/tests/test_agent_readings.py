"""The agent's readings of the machine (``custode-agent run``): real /proc and apt here, dnf from captured output.

The agent is its own distribution (``agent/``, standard library only); these tests import it from the checkout.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

AGENT = Path(__file__).resolve().parents[3] / "agent"
sys.path.insert(0, str(AGENT))
from custode_agent import collect, config, reporting, updates  # noqa: E402

APT_SIMULATION = """\
NOTE: This is only a simulation!
Reading package lists...
The following packages will be upgraded:
  bash libgcrypt20 openssl
Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])
Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])
Inst openssl [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/oldstable-security [amd64])
Conf bash (5.2.15-2+b13 Debian:12.15/oldstable [amd64])
Conf openssl (3.0.17-1~deb12u2 Debian-Security:12/oldstable-security [amd64])
"""

UBUNTU_SIMULATION = "Inst libssl3 [3.0.2-0ubuntu1.15] (3.0.2-0ubuntu1.18 Ubuntu:22.04/jammy-security [amd64])\n" \
                    "Inst tzdata [2024a-0ubuntu0.22.04] (2024b-0ubuntu0.22.04 Ubuntu:22.04/jammy-updates [all])\n"

DNF_CHECK_UPDATE = """\
Last metadata expiration check: 0:12:03 ago on Thu 03 Dec 2026 17:40:11 UTC.

curl.x86_64                          7.76.1-29.el9_4.1                 baseos
kernel.x86_64                        5.14.0-427.42.1.el9_4             baseos
openssl-libs.x86_64                  1:3.0.7-28.el9_4                  baseos
tzdata.noarch                        2024b-2.el9                       appstream
Obsoleting Packages
grub2-tools.x86_64                   1:2.06-80.el9_4                   baseos
    grub2-tools.x86_64               1:2.06-77.el9                     @baseos
"""

DNF_SECURITY = """\
RLSA-2024:8856 Important/Sec.  kernel-5.14.0-427.42.1.el9_4.x86_64
RLSA-2024:8922 Moderate/Sec.   curl-7.76.1-29.el9_4.1.x86_64
RLSA-2024:9011 Important/Sec.  openssl-libs-1:3.0.7-28.el9_4.x86_64
"""

APT_HISTORY = """\

Start-Date: 2026-11-02  09:14:55
Commandline: apt-get upgrade -y
Upgrade: bash:amd64 (5.2.15-2+b7, 5.2.15-2+b8)
End-Date: 2026-11-02  09:15:10

Start-Date: 2026-11-20  16:01:02
Commandline: apt-get install -y restic
Install: restic:amd64 (0.14.0-1+b5)
End-Date: 2026-11-20  16:01:09
"""


def test_apt_counts_security_updates_apart_by_their_archive():
    assert updates.apt_counts(APT_SIMULATION) == {"pending": 3, "security": 2}
    assert updates.apt_counts(UBUNTU_SIMULATION) == {"pending": 2, "security": 1}
    assert updates.apt_counts("") == {"pending": 0, "security": 0}


def test_dnf_counts_pending_packages_and_security_ones_from_captured_output():
    assert updates.dnf_counts(DNF_CHECK_UPDATE, DNF_SECURITY) == {"pending": 4, "security": 3}
    assert updates.dnf_counts("", "") == {"pending": 0, "security": 0}


def test_the_last_upgrade_is_the_last_apt_run_that_upgraded_not_one_that_only_installed():
    at = updates.apt_last_upgrade(APT_HISTORY)
    assert at is not None and at.startswith("2026-11-02T09:14:55")
    assert updates.apt_last_upgrade("") is None


def test_the_installed_packages_are_counted_by_dpkg_on_debian():
    if not shutil.which("dpkg"):
        pytest.skip("not a Debian machine")  # the real apt's pending updates: test_agent_process
    assert updates.installed_count() > 100


def test_the_machines_disks_memory_and_load_are_read():
    report = collect.report(cpu_window=0.05)
    root = next(disk for disk in report["disks"] if disk["mount"] == "/")
    st = os.statvfs("/")
    assert root["size"] == st.f_blocks * st.f_frsize and 0 < root["used"] < root["size"]
    assert 0 < root["percent"] < 100 and root["inodes"] == st.f_files
    assert len(report["load"]) == 3 and report["cpu_count"] == os.cpu_count()
    meminfo = Path("/proc/meminfo").read_text()
    assert report["memory"]["total"] == int(meminfo.split("MemTotal:")[1].split()[0]) * 1024
    assert 0 <= report["memory"]["percent"] <= 100 and report["uptime_s"] > 0
    assert report["inventory"]["kernel"] == os.uname().release and report["inventory"]["cores"] == os.cpu_count()


def test_the_config_is_written_for_its_owner_only_and_read_back_without_tomllib(tmp_path, monkeypatch):
    path = str(tmp_path / "etc" / "agent.toml")
    values = {"server": "https://custode.example", "asset": "srv", "credential": "cag_s3cr\"et", "interval": 60,
              "services": ["nginx", "postgresql"]}
    config.save(path, values)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert config.load(path) == values
    monkeypatch.setattr(config, "tomllib", None)
    assert config.load(path) == values


def test_the_spool_keeps_the_newest_reports_in_order_up_to_its_limit(tmp_path):
    spool = reporting.Spool(str(tmp_path / "spool"), limit=3)
    for n in range(5):
        spool.add({"n": n})
    assert [Path(name).read_text() for name in spool.waiting()] == ['{"n": 2}', '{"n": 3}', '{"n": 4}']


def test_the_agent_watches_its_configs_services_and_those_the_server_asked_for(tmp_path):
    path = str(tmp_path / "agent.toml")
    config.save(path, {"server": "http://127.0.0.1:9", "asset": "srv", "credential": "cag_x", "services": ["cron"]})
    reporter = reporting.Reporter(path, timeout=1, err=None)
    assert reporter.services() == ["cron"]
    reporter.watch(["nginx", "cron"])
    assert reporting.Reporter(path, timeout=1, err=None).services() == ["cron", "nginx"], "kept between runs"
    assert reporter.spool.waiting() == [], "what it watches is no report"
