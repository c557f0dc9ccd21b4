#!/usr/bin/env python3
"""bench/agent: agents' reports into `custode web` at one a minute each: the web's CPU share and p99, against nginx.

--agents assets (default 10,000) each with an enrolled agent (a few through the enrolment service, the rest
written in bulk the same way, so setup takes seconds), one in ten watching a service, one in twenty with a disk
over its threshold. Each agent's report is the real agent's (``custode_agent.collect.report`` on this machine,
about 1.2 kB, a data disk added), with its own host name, numbers, ``at`` (when it was due) and ``sent_at`` (when
it went). Prints:
  - steady load: every agent reporting once a minute (10,000 agents: 167 reports/s) for --seconds, open loop:
    report i is due at start + i / rate whatever the answers before it did, goes on an idle keep-alive
    connection (at most --connections), and its latency counts from when it was due, so a server falling
    behind shows in p99 instead of slowing the load down. The web's CPU (its process and children, from
    /proc) as a share of one core, p50/p99, errors, and every report counted in the database after (one
    sample each; every agent that reported has it as its latest); on PostgreSQL, the database server's CPU
    too (all its processes, whoever's queries);
  - reference, same run: nginx answering a fixed body to the same client at the same rate, its CPU share and p99;
  - saturation: --connections connections posting as fast as answered for --saturation-seconds: reports/s and
    reports per web CPU-second;
  - the engine's judging of every agent's monitor right after the steady load, one round in this process
    (reading the agents' facts as the engine does, ``agents.services.agent_facts_since``, and judging each),
    against as many heartbeat judgements; an agent answered more than 3 minutes before is DOWN (silent), rightly.
Goal: 10,000 agents using under half a core of the web.

Usage: bench/agent.py [--agents 10000] [--seconds 60] [--connections 20] [--saturation-seconds 10]
                      [--port-range LOW-HIGH] [--postgres URL [--postgres-name NAME]]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from common import (ROOT, add_arguments, configured, custode, custode_env, free_port, nginx, setup_django, stop,
                    wait_port)

GOAL = 0.5  # cores of the web at one report a minute from each of 10,000 agents
ENROLLED = 20  # agents enrolled through the service, token and all; the rest are written in bulk like them
TIMEOUT = 30.0  # seconds a report may take before the client counts it failed


def template() -> dict:
    """A report as the real agent makes it on this machine, and a data disk as most servers have."""
    sys.path.insert(0, str(ROOT / "agent"))
    from custode_agent import collect

    body = collect.report(services=[], pending={"pending": 12, "security": 3, "manager": "apt",
                                                "last_upgrade": "2026-11-28T06:12:00+00:00"})
    body["services"] = {"nginx": True}  # the service one agent in ten is asked to watch, running
    body["disks"].append({"mount": "/srv", "device": "/dev/sdb1", "fstype": "ext4", "size": 2_000_398_934_016,
                          "used": 1_100_000_000_000, "percent": 58.1, "inodes": 122_101_760, "inodes_used": 1_204_000})
    return body


@dataclass
class Device:
    key: str
    credential: str
    disk_full: bool  # its data disk over the server default of 90 %
    reports: int = 0


def create_agents(count: int) -> list[Device]:
    """COUNT servers of 100 customers with enrolled agents; one in ten watches nginx (its ``agent:`` keys)."""
    from custode.accounts.models import token_hash
    from custode.agents import services
    from custode.agents.models import MONITOR_TYPE, Agent, AgentWatch
    from custode.assets.models import Asset
    from custode.monitors.models import Impact, Monitor
    from custode.testing import factories

    factories.provider(timezone="Europe/Rome")
    customers = [factories.customer(f"customer-{n:03d}", name=f"Studio {n}") for n in range(100)]
    assets = Asset.objects.bulk_create(
        [Asset(key=f"srv-{n:05d}", kind="server", name=f"Server {n}", customer=customers[n % 100])
         for n in range(count)], batch_size=2000)
    AgentWatch.objects.bulk_create([AgentWatch(asset=a, services=["nginx"]) for a in assets[::10]], batch_size=2000)
    devices = []
    for asset in assets[:ENROLLED]:
        _, token = services.agent_token_create(asset=asset.key)
        devices.append(services.agent_enroll(token=token, hostname=f"{asset.key}.lan", version="0.1.0")[1])
    now = dt.datetime.now(dt.timezone.utc)
    rest = assets[ENROLLED:]
    monitors = Monitor.objects.bulk_create(
        [Monitor(key=f"{a.key}-agent", type=MONITOR_TYPE, asset=a, interval=services.INTERVAL, retries=0,
                 impact=Impact.JOB, tell_customer=False) for a in rest], batch_size=2000)
    credentials = [services.CREDENTIAL_PREFIX + secrets.token_urlsafe(32) for _ in rest]
    Agent.objects.bulk_create(
        [Agent(asset=a, monitor=m, digest=token_hash(c), enrolled_at=now, hostname=f"{a.key}.lan", version="0.1.0",
               changed_at=now) for a, m, c in zip(rest, monitors, credentials)], batch_size=2000)
    devices += credentials
    return [Device(a.key, c, disk_full=n % 20 == 7) for n, (a, c) in enumerate(zip(assets, devices))]


def body_of(device: Device, base: dict, n: int, at: dt.datetime) -> bytes:
    """DEVICE's Nth report, measured AT and sent now."""
    load = 0.05 + (n * 7 + len(device.key)) % 90 / 100
    report = {**base, "at": at.isoformat(), "load": [round(load, 2), round(load * 0.9, 2), round(load * 0.8, 2)],
              "cpu_percent": round(load * 40, 1), "uptime_s": base["uptime_s"] + n * 60.0,
              "inventory": {**base["inventory"], "hostname": f"{device.key}.lan"}}
    if device.disk_full:
        report["disks"] = [*base["disks"][:-1], {**base["disks"][-1], "used": 1_900_000_000_000, "percent": 95.0}]
    report["sent_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    return json.dumps(report).encode()


# -- the client: open loop at a fixed rate, or closed loop as fast as answered ---------------------------------


class Connection:
    """One HTTP/1.1 keep-alive connection to 127.0.0.1:PORT."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, credential: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Bearer "
                          f"{credential}\r\nContent-Type: application/json\r\nUser-Agent: custode-agent/0.1.0\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(None, 2)[1])
        if "transfer-encoding: chunked" in head:
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                           if line.startswith("content-length:")), 0)
            await self.reader.readexactly(length)
        if "connection: close" in head:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, from when each report was due
    statuses: Counter = field(default_factory=Counter)  # HTTP status, or the exception's name
    wall: float = 0.0
    behind: float = 0.0  # how late, at most, the client sent a report after it was due (its own lag)

    @property
    def ok(self) -> int:
        return self.statuses[200]

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else float("nan")

    def errors(self) -> str:
        return ", ".join(f"{n} x {what}" for what, n in self.statuses.items() if what != 200) or "none"


async def _send(port: int, idle: asyncio.Queue, device: Device, base: dict, due: float, at: dt.datetime,
                out: Outcome) -> None:
    conn = await idle.get()
    loop = asyncio.get_running_loop()
    try:
        status = await asyncio.wait_for(
            conn.post(f"/agent/{device.key}/report", device.credential, body_of(device, base, device.reports, at)),
            TIMEOUT)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
        conn.close()
        status = type(e).__name__
    out.latencies.append(loop.time() - due)
    out.statuses[status] += 1
    idle.put_nowait(conn)


async def paced(port: int, devices: list[Device], base: dict, *, rate: float, seconds: float,
                connections: int) -> Outcome:
    """Reports at RATE a second for SECONDS, open loop, each device in turn."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Connection(port))
    out, tasks = Outcome(), []
    start, wall = loop.time() + 0.1, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=0.1)
    for n in range(int(rate * seconds)):
        due = start + n / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        out.behind = max(out.behind, loop.time() - due)
        device = devices[n % len(devices)]
        device.reports += 1
        at = wall + dt.timedelta(seconds=due - start)
        tasks.append(loop.create_task(_send(port, idle, device, base, due, at, out)))
    await asyncio.gather(*tasks)
    out.wall = loop.time() - start
    while not idle.empty():
        idle.get_nowait().close()
    return out


async def flat_out(port: int, devices: list[Device], base: dict, *, seconds: float, connections: int) -> Outcome:
    """Each of CONNECTIONS posting the next device's report as soon as the last is answered, for SECONDS."""
    loop = asyncio.get_running_loop()
    out, turn = Outcome(), iter(range(10**9))
    end = loop.time() + seconds

    async def worker() -> None:
        conn, idle = Connection(port), asyncio.Queue()
        idle.put_nowait(conn)
        while loop.time() < end:
            device = devices[next(turn) % len(devices)]
            device.reports += 1
            await _send(port, idle, device, base, loop.time(), dt.datetime.now(dt.timezone.utc), out)
        conn.close()

    started = loop.time()
    await asyncio.gather(*(worker() for _ in range(connections)))
    out.wall = loop.time() - started
    return out


# -- CPU from /proc ------------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_cpu(pid: int) -> float:
    """CPU seconds of PID and every process under it, the ones that ended included (as their parent reaped them)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError):
                continue
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    ticks = 0
    for member in tree:
        try:
            fields = _stat(member)
        except OSError:
            continue
        ticks += sum(int(x) for x in fields[11:13]) + (sum(int(x) for x in fields[13:15]) if member == pid else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def child_named(name: str) -> int:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(f"/proc/{entry.name}/comm").read_text().strip() == name and \
                        int(_stat(int(entry.name))[1]) == os.getpid():
                    return int(entry.name)
            except OSError:
                continue
    raise RuntimeError(f"no {name} process under this one")


def database_pid() -> int | None:
    """The PostgreSQL server's main process (the parent of this connection's backend), when on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(_stat(backend)[1])
    except OSError:
        return None


def measured(pid: int | None, run):
    """RUN()'s outcome and the CPU seconds PID's tree used meanwhile (None without PID)."""
    before = tree_cpu(pid) if pid else 0.0
    outcome = run()
    return outcome, (tree_cpu(pid) - before if pid else None)


# -- the bench -----------------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def stored() -> tuple[int, int]:
    """(samples kept, agents with a latest report)."""
    from custode.agents.models import Agent, AgentSample

    return AgentSample.objects.count(), Agent.objects.filter(received_at__isnull=False).count()


def steady(port: int, devices, base, args) -> Outcome:
    rate = len(devices) / 60
    return asyncio.run(paced(port, devices, base, rate=rate, seconds=args.seconds, connections=args.connections))


def cores(out: Outcome, cpu: float, rate: float) -> float:
    """The share of a core RATE reports a second take: CPU per report answered times RATE (the measured share
    when the server kept up; more than it when the server fell behind and ran flat out for longer)."""
    return cpu / max(out.ok, 1) * rate


def say_steady(who: str, out: Outcome, cpu: float, rate: float, extra: str = "") -> None:
    print(f"  {who}: {out.ok:,} of {sum(out.statuses.values()):,} answered 200 in {out.wall:.1f} s "
          f"({out.ok / out.wall:.1f}/s), errors: {out.errors()}; p50 {out.percentile(50):.1f} ms, p99 "
          f"{out.percentile(99):.1f} ms, max {max(out.latencies, default=0) * 1000:.0f} ms from when due (the client "
          f"at most {out.behind * 1000:.0f} ms late sending); CPU {cpu:.2f} s, {cpu / max(out.ok, 1) * 1000:.2f} ms a "
          f"report: {cpu / out.wall:.3f} of a core measured, {cores(out, cpu, rate):.3f} at {rate:.1f}/s{extra}; "
          f"load average {load_average()}", flush=True)


def ingest(data_dir: str, devices: list[Device], base: dict, args) -> tuple[bool, Outcome, float]:
    """The steady load and the saturation run on `custode web`; whether every report was stored."""
    db_pid = database_pid()
    port = free_port()
    web = custode("web", env=custode_env(data_dir, CUSTODE_LISTEN=f"127.0.0.1:{port}"))
    try:
        wait_port(port, 60)
        asyncio.run(flat_out(port, devices[-50:], base, seconds=1, connections=2))  # warm: imports, first queries
        samples1, _ = stored()
        db0 = tree_cpu(db_pid) if db_pid else None
        out, cpu = measured(web.pid, lambda: steady(port, devices, base, args))
        db = f"; PostgreSQL server {(tree_cpu(db_pid) - db0) / out.wall:.3f} of a core" if db_pid else ""
        samples2, latest = stored()
        say_steady(f"custode web, {len(devices):,} agents a minute", out, cpu, len(devices) / 60, db)
        reported = min(len(devices), sum(out.statuses.values()))
        print(f"  stored: {samples2 - samples1:,} samples for {out.ok:,} reports answered 200; {latest:,} agents "
              f"with a latest report ({reported:,} reported)", flush=True)
        judge_round()
        sat, sat_cpu = measured(web.pid, lambda: asyncio.run(flat_out(
            port, devices, base, seconds=args.saturation_seconds, connections=args.connections)))
        samples3, _ = stored()
    finally:
        stop(web)
    print(f"  saturation, {args.connections} connections, {sat.wall:.1f} s: {sat.ok / sat.wall:,.0f} reports/s "
          f"(p50 {sat.percentile(50):.0f} ms, p99 {sat.percentile(99):.0f} ms, errors: {sat.errors()}), web CPU "
          f"{sat_cpu:.1f} s: {sat.ok / max(sat_cpu, 1e-9):,.0f} reports per web CPU-s; {samples3 - samples2:,} "
          f"stored; load average {load_average()}", flush=True)
    every = (samples2 - samples1 == out.ok == sum(out.statuses.values()) and latest >= reported
             and samples3 - samples2 == sat.ok == sum(sat.statuses.values()))
    return every, out, cpu


def reference(devices: list[Device], base: dict, args) -> tuple[Outcome, float]:
    with nginx(body="OK") as port:
        pid = child_named("nginx")
        out, cpu = measured(pid, lambda: steady(port, devices, base, args))
    say_steady("nginx fixed body, same client and rate", out, cpu, len(devices) / 60)
    return out, cpu


def judge_round() -> None:
    """The engine's reading and judging of every agent, in this process, against as many heartbeat judgements."""
    from custode.agents import services, verdict
    from custode.checks import push
    from custode.checks.result import Status

    started = time.perf_counter()
    facts = services.agent_facts_since(None)
    read = time.perf_counter() - started
    now = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    results = [verdict.result(f, now) for _, f, _ in facts]
    judged = time.perf_counter() - started
    started = time.perf_counter()
    for _ in facts:
        push.evaluate(last_ping_at=now, last_kind="success", interval=60, grace=120, now=now, created_at=now)
    heartbeat = time.perf_counter() - started
    down = [r.reason for r in results if r.status != Status.UP]
    print(f"  engine's round in-process: read {len(facts):,} agents' facts {read:.2f} s, judged them {judged:.3f} s "
          f"({judged / max(len(facts), 1) * 1e6:.0f} us an agent), {len(results) - len(down):,} UP, {len(down):,} "
          f"DOWN{f' (first: {down[0]})' if down else ''}; {len(facts):,} heartbeat judgements {heartbeat:.3f} s: "
          f"{judged / max(heartbeat, 1e-9):.1f}x", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=60, help="how long the steady load lasts")
    parser.add_argument("--connections", type=int, default=20, help="the client's keep-alive connections, at most")
    parser.add_argument("--saturation-seconds", type=int, default=10)
    add_arguments(parser)
    args = parser.parse_args()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-") as data_dir:
        setup_django(data_dir)
        started = time.perf_counter()
        devices = create_agents(args.agents)
        base = template()
        size = len(body_of(devices[0], base, 0, dt.datetime.now(dt.timezone.utc)))
        print(f"agent on {database}: {args.agents:,} agents enrolled in {time.perf_counter() - started:.1f} s, "
              f"reports of {size:,} bytes, {args.agents / 60:.1f}/s for {args.seconds} s (goal: the web under "
              f"{GOAL} of a core at 10,000 agents, every report stored); load average {load_average()}", flush=True)
        every, ours, cpu = ingest(data_dir, devices, base, args)
        ref, ref_cpu = reference(devices, base, args)
    share = cores(ours, cpu, 10000 / 60)
    print(f"ratio: web CPU {cpu / max(ref_cpu, 1e-9):.0f}x nginx's at the same rate, p99 "
          f"{ours.percentile(99) / ref.percentile(99):.0f}x; goal (< {GOAL} of a core at 10,000 agents, "
          f"from this run's CPU a report): {'met' if share < GOAL else 'NOT met'} ({share:.3f} of a core)")
    if not every:
        print("FAILED: a report was refused, failed or not stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
