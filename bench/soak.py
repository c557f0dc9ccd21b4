#!/usr/bin/env python3
"""bench/soak: the real web, engine and notifier for N minutes of flapping targets, a failing SMTP server and a
notifier killed at random; then: was any message lost or repeated, and did file descriptors or memory grow?

The world: --monitors HTTP monitors on --targets loopback servers; behind each server, one provider server asset
(its own monitor) and sites of five customers depending on it, so one outage is one grouped incident. Every
customer has one contact, `notify: [email]`; the on-call technician gets staff alerts by e-mail. While the run
lasts:
  - each target flaps: up for 3-9 check intervals, then down (503, or closed) for 3-6, at its own pace;
  - the SMTP server (aiosmtpd, in this process) goes away for a fifth of every cycle (a minute in every five,
    shorter in runs under ten minutes); it answers 421 while it stops, so no message is cut after its DATA;
  - the notifier is SIGKILLed every 5-30 s and started again;
  - the web server's public status page is fetched every 5 s.
Then flapping stops, the SMTP server stays up, and the run waits (at most --settle seconds) until every
incident is resolved and no message is pending, and prints:
  - messages in the outbox against e-mails received;
  - lost: a message marked sent and never received, a message never sent, or a confirmed incident's opening or
    resolution that a contact (or the technician) was owed and has no message for;
  - repeated: the same Message-ID received twice, and the same (incident, address, event) received twice; a
    repeat whose first copy arrived at most 2 s before a kill of the notifier, and the next after it, is in the
    documented window (README, "Notifications": the notifier died between the server's acceptance and the sent
    mark);
  - file descriptors (least-most) and peak RSS of each process (with its children), sampled for 20 s after
    warm-up and at the end; "grew" when the end's fewest descriptors are more than 2 above the start's most, or
    its least RSS is 20 % above the start's peak.
It exits 1 if anything was lost, or repeated outside the documented window.

Usage: bench/soak.py [--minutes 60] [--monitors 10000] [--targets 20] [--interval 30] [--settle 900]
                     [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import yaml

from common import ROOT, add_arguments, configured, custode, custode_env, free_port, rss_bytes, setup_django, \
    stop, wait_port

sys.path.insert(0, str(ROOT))

CUSTOMERS_PER_TARGET = 5
STAFF = "domenico@retesicura.example"
WINDOW = 2.0  # seconds from a copy's receipt to a kill of the notifier that may have kept it from being marked sent


class Targets:
    """Loopback HTTP servers on one asyncio loop in a thread, each answering 200, 503, or closed."""

    def __init__(self, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.state = {port: "up" for port in self.ports}
        self.servers: dict[int, asyncio.AbstractServer] = {}
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        for port in self.ports:
            self.set(port, "up")

    def set(self, port: int, state: str) -> None:
        """Wait for the change as long as a crowded machine needs (the loop also answers every check)."""
        asyncio.run_coroutine_threadsafe(self._set(port, state), self.loop).result(300)

    async def _set(self, port: int, state: str) -> None:
        self.state[port] = state
        server = self.servers.pop(port, None)
        if state == "closed":
            if server:
                server.close()
        else:
            self.servers[port] = server or await asyncio.start_server(
                lambda r, w: self._answer(port, r, w), "127.0.0.1", port, reuse_address=True)

    async def _answer(self, port: int, reader, writer) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            status = b"200 OK" if self.state[port] == "up" else b"503 Service Unavailable"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    def flap(self, interval: float, done: threading.Event) -> None:
        """Each target up for 3-9 intervals, then down for 3-6, until DONE; then all up."""
        due = {port: time.monotonic() + random.uniform(1, 9) * interval for port in self.ports}
        while not done.wait(0.5):
            for port, at in due.items():
                if time.monotonic() >= at:
                    down = self.state[port] == "up"
                    self.set(port, random.choice(["503", "closed"]) if down else "up")
                    due[port] = time.monotonic() + random.uniform(3, 6 if down else 9) * interval
        for port in self.ports:
            self.set(port, "up")


class Mailbox:
    """aiosmtpd handler keeping each message with the time its DATA ended; 421 while the server stops."""

    def __init__(self) -> None:
        self.received: list[tuple[float, email.message.EmailMessage]] = []
        self.closing = False

    async def handle_DATA(self, server, session, envelope):
        if self.closing:
            return "421 4.3.2 shutting down"
        self.received.append((time.time(), email.message_from_bytes(envelope.original_content,
                                                                    policy=email.policy.default)))
        return "250 2.0.0 queued"


class Smtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None
        self.start()

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.mailbox.closing = True
        time.sleep(0.5)  # sessions past their DATA get their answer
        self.controller.stop()
        self.mailbox.closing = False

    def outages(self, every: float, down: float, done: threading.Event, log: list) -> None:
        """Down for DOWN seconds at the end of every EVERY, until DONE; up at the end."""
        while not done.wait(every - down):
            self.stop()
            log.append(time.time())
            done.wait(down)
            self.start()


class Notifier:
    """`custode notifier`, SIGKILLed at random moments and started again."""

    def __init__(self, env: dict, logs: Path) -> None:
        self.env, self.logs, self.kills = env, logs, []
        self.proc = self._start()

    def _start(self) -> subprocess.Popen:
        with open(self.logs / f"notifier-{len(self.kills)}.log", "w") as err:
            return custode("notifier", env=self.env, stdout=subprocess.DEVNULL, stderr=err)

    def killer(self, done: threading.Event) -> None:
        while not done.wait(random.uniform(5, 30)):
            self.kills.append(time.time())
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            done.wait(random.uniform(0, 2))
            self.proc = self._start()


def world(monitors: int, ports: list[int], interval: int) -> str:
    """The config file: per target, a provider server and its customers' sites on it."""
    sites = max(1, monitors // len(ports) - 1)
    check = {"type": "http", "interval": f"{interval}s", "retries": 1, "timeout": "2s"}
    servers, customers = [], []
    for t, port in enumerate(ports):
        url = f"http://127.0.0.1:{port}/"
        servers.append({"id": f"srv-{t:02}", "kind": "server", "name": f"srv-{t:02}.retesicura.example",
                        "monitors": [{"id": f"srv-{t:02}-http", "url": url, **check}]})
        for c in range(CUSTOMERS_PER_TARGET):
            key = f"c{t:02}-{c}"
            mine = range(c, sites, CUSTOMERS_PER_TARGET)
            customers.append({
                "id": key, "name": f"Cliente {key}", "language": "it",
                "contacts": [{"name": f"Referente {key}", "email": f"referente@{key}.example", "notify": ["email"]}],
                "assets": [{"id": f"site-{t:02}-{n:03}", "kind": "website", "name": f"www.site{t:02}-{n:03}.example",
                            "depends_on": [f"srv-{t:02}"],
                            "monitors": [{"id": f"site-{t:02}-{n:03}-http", "url": url, **check}]} for n in mine]})
    config = {
        "provider": {"name": "Rete Sicura S.r.l.", "timezone": "Europe/Rome", "language": "it",
                     "contact": {"phone": "+39 0521 000000", "email": "assistenza@retesicura.example"},
                     "status_page": {"slug": "stato", "title": "Rete Sicura"}},
        "staff": [{"username": "domenico", "name": "Domenico Ferri", "email": STAFF, "on_call": True,
                   "notify": ["email"]}],
        "infrastructure": servers, "customers": customers,
    }
    return yaml.safe_dump(config, sort_keys=False)


def poll_web(port: int, done: threading.Event, errors: list) -> None:
    while not done.wait(5):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status/stato/", timeout=30).read()
        except Exception as exc:  # noqa: BLE001  (any failure is a failed fetch, counted and shown)
            errors.append(repr(exc))


def wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return False


def all_up() -> bool:
    from custode.monitors.models import Monitor

    return not Monitor.objects.exclude(state="up").exists()


def settled() -> bool:
    from custode.incidents.models import Incident
    from custode.notify.models import Message

    return (not Incident.objects.exclude(status="resolved").filter(merged_into=None).exists()
            and not Message.objects.filter(status="pending").exists())


def tree(pid: int) -> list[int]:
    """PID and its descendants."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    out, i = [pid], 0
    while i < len(out):
        out += [child for child, parent in parents.items() if parent == out[i]]
        i += 1
    return out


def usage(pid: int) -> tuple[int, int]:
    """Open file descriptors and RSS bytes of PID with its children."""
    pids = tree(pid)
    return sum(len(os.listdir(f"/proc/{p}/fd")) for p in pids), sum(rss_bytes(p) for p in pids)


def sample(processes: dict[str, subprocess.Popen]) -> dict[str, list[tuple[int, int]]]:
    """usage() of each process every 2 s for 20 s: descriptors come and go (database connections closed when
    their owner is collected), so one reading can say "grew" of a process that only breathes."""
    out = {name: [] for name in processes}
    for _ in range(10):
        for name, proc in processes.items():
            out[name].append(usage(proc.pid))
        time.sleep(2)
    return out


def owed() -> set[tuple[int, str, str]]:
    """(incident, address, event) every confirmed incident owes: its opening to the technician and to the contacts
    of each customer told of it, and once resolved, its end to the technician and every affected customer."""
    from custode.directory.models import Contact
    from custode.incidents.models import Incident

    contacts: dict[int, list[str]] = {}
    for customer, address in Contact.objects.values_list("customer_id", "email"):
        contacts.setdefault(customer, []).append(address)
    out = set()
    for incident in Incident.objects.filter(merged_into=None).exclude(confirmed_at=None).prefetch_related("affected"):
        resolved = incident.status == "resolved"
        out |= {(incident.pk, STAFF, "opened")} | ({(incident.pk, STAFF, "resolved")} if resolved else set())
        for row in incident.affected.all():
            for address in contacts.get(row.customer_id, []):
                if row.notified_at:
                    out.add((incident.pk, address, "opened"))
                if resolved:
                    out.add((incident.pk, address, "resolved"))
    return out


def count(received: list, kills: list[float]) -> dict:
    """What was written, received, lost and repeated."""
    from custode.incidents.models import Incident
    from custode.notify.models import Message

    roots = {pk: into or pk for pk, into in Incident.objects.values_list("pk", "merged_into")}
    outbox = {m.pk: m for m in Message.objects.filter(channel="email")}
    event = {pk: (roots.get(int(m.topic.split(":")[1])), m.recipient, m.key.split(":")[2])
             for pk, m in outbox.items() if m.topic.startswith("incident:")}
    copies: dict[str, list[float]] = {}
    for at, mail in received:
        copies.setdefault(mail["Message-ID"], []).append(at)
    pk = {mid: int(mid.strip("<").split(".")[0]) for mid in copies}
    got, events, sources = set(pk.values()), Counter(), {}
    for mid, times in copies.items():
        if pk[mid] in event:
            events[event[pk[mid]]] += len(times)
            sources.setdefault(event[pk[mid]], []).append((outbox[pk[mid]].topic, len(times)))
    twice = [e for e, n in events.items() if n > 1]
    repeats = [mid for mid, times in copies.items() if len(times) > 1]
    in_window = [mid for mid in repeats
                 if any(0 <= k - copies[mid][0] <= WINDOW and k < copies[mid][1] for k in kills)]
    return {
        "written": len(outbox), "received": len(received), "distinct": len(copies),
        "sent_not_received": sorted(p for p, m in outbox.items() if m.status == "sent" and p not in got),
        "not_sent": [f"{p}: {m.status}, {m.attempts} attempts, written {m.created_at:%H:%M:%S}, next attempt "
                     f"{m.next_attempt_at:%H:%M:%S}, lease {m.lease[:8] or '-'} until {m.leased_until or '-'}, "
                     f"last error {m.last_error[:120]!r}"
                     for p, m in sorted(outbox.items()) if m.status not in ("sent", "discarded")],
        "untold": sorted(owed() - set(event.values())),
        "repeated": sum(len(copies[mid]) - 1 for mid in repeats),
        "repeated_in_window": sum(len(copies[mid]) - 1 for mid in in_window),
        "repeated_events": sum(n - 1 for n in events.values() if n > 1),
        "repeated_events_to_staff": sum(events[e] - 1 for e in twice if e[1] == STAFF),
        # each as (root incident, address, event): [(the incident the message was written for, copies received)]
        "repeated_event_sources": [f"{e}: {sources[e]}" for e in sorted(twice, key=str)],
        "timelines": timelines(sorted({e[0] for e in twice if e[1] != STAFF and e[0] is not None})[:3]),
        "incidents": Incident.objects.filter(merged_into=None).count(),
        "confirmed": Incident.objects.filter(merged_into=None).exclude(confirmed_at=None).count(),
    }


def timelines(roots: list[int]) -> list[str]:
    """Each root incident with the incidents merged into it: when each opened, was told, and ended or merged, and
    its root asset. A customer told twice of one root was told of two incidents later merged: this says whether
    both were open together, and which asset each was rooted at."""
    from custode.incidents.models import Incident

    def line(i: Incident) -> str:
        told = f"{i.confirmed_at:%H:%M:%S}" if i.confirmed_at else "-"
        ended = f"{i.resolved_at:%H:%M:%S}" if i.resolved_at else "-"
        return f"#{i.pk} {i.root_asset.key}: opened {i.opened_at:%H:%M:%S}, told {told}, ended {ended}"

    out = []
    for root in Incident.objects.filter(pk__in=roots).select_related("root_asset").order_by("pk"):
        children = Incident.objects.filter(merged_into=root).select_related("root_asset").order_by("opened_at")
        out += [line(root) + f"; {children.count()} merged in:"] + [f"  {line(c)}" for c in children[:15]]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--interval", type=int, default=30, help="seconds between checks of a monitor")
    parser.add_argument("--settle", type=float, default=900, help="at most this many seconds to settle at the end")
    add_arguments(parser)
    args = parser.parse_args()
    run = args.minutes * 60
    every = min(300.0, run / 2)
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-soak-") as data_dir:
        setup_django(data_dir)
        smtp, targets = Smtp(), Targets(args.targets)
        config = Path(data_dir) / "soak.yaml"
        config.write_text(world(args.monitors, targets.ports, args.interval))
        env = custode_env(data_dir, CUSTODE_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                          CUSTODE_BASE_URL="https://custode.example", CUSTODE_INCIDENT_STABLE="5s",
                          CUSTODE_SMTP_DATA_TIMEOUT="10s")
        subprocess.run([sys.executable, "-m", "custode", "apply", "-f", str(config)], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        from custode.monitors.models import Monitor

        print(f"{database}: {Monitor.objects.count():,} monitors on {args.targets} targets, every {args.interval} s; "
              f"{args.minutes:g} min; SMTP down {every / 5:.0f} s in every {every:.0f} s")
        web_port, logs = free_port(), Path(data_dir)
        web = custode("web", env={**env, "CUSTODE_LISTEN": f"127.0.0.1:{web_port}"}, stdout=subprocess.DEVNULL,
                      stderr=open(logs / "web.log", "w"))
        engine = custode("engine", env=env, stdout=subprocess.DEVNULL, stderr=open(logs / "engine.log", "w"))
        notifier = Notifier(env, logs)
        done, smtp_stops, web_errors = threading.Event(), [], []
        try:
            wait_port(web_port, 60)
            if not wait(all_up, 300):
                raise SystemExit("not every monitor came UP within 300 s")
            time.sleep(2 * args.interval)  # warm-up: every monitor checked again, the first messages out
            for _ in range(3):
                urllib.request.urlopen(f"http://127.0.0.1:{web_port}/status/stato/", timeout=60).read()
            start = sample({"web": web, "engine": engine, "notifier": notifier.proc})
            chores = [threading.Thread(target=targets.flap, args=(args.interval, done)),
                      threading.Thread(target=smtp.outages, args=(every, every / 5, done, smtp_stops)),
                      threading.Thread(target=notifier.killer, args=(done,)),
                      threading.Thread(target=poll_web, args=(web_port, done, web_errors))]
            for chore in chores:
                chore.start()
            time.sleep(run)
            done.set()
            for chore in chores:
                chore.join()
            began = time.monotonic()
            calm = wait(settled, args.settle)
            took = time.monotonic() - began
            time.sleep(5)  # a late repeat would arrive now
            end = sample({"web": web, "engine": engine, "notifier": notifier.proc})
            crashed = [name for name, p in (("web", web), ("engine", engine), ("notifier", notifier.proc))
                       if p.poll() is not None]
        finally:
            done.set()
            for proc in (notifier.proc, engine, web):
                stop(proc)
        figures = count(smtp.mailbox.received, notifier.kills)
        tracebacks = sum(p.read_text().count("Traceback") for p in logs.glob("*.log"))
        show_tracebacks(logs)
        smtp.controller.stop()
    return report(figures, start, end, calm=calm, took=took, kills=len(notifier.kills), outages=len(smtp_stops),
                  web_errors=web_errors, crashed=crashed, tracebacks=tracebacks)


def show_tracebacks(logs: Path) -> None:
    """The last traceback of each process's log, on stderr: the data directory is gone after the run."""
    for path in sorted(logs.glob("*.log")):
        text = path.read_text()
        if "Traceback" in text:
            last = text[text.rindex("Traceback"):].splitlines()[:40]
            print(f"== {path.name}: {text.count('Traceback')} traceback(s), the last:", *last, sep="\n", file=sys.stderr)


def report(f: dict, start: dict, end: dict, *, calm: bool, took: float, kills: int, outages: int,
           web_errors: list, crashed: list, tracebacks: int) -> int:
    lost = len(f["sent_not_received"]) + len(f["not_sent"]) + len(f["untold"])
    outside = max(f["repeated"] - f["repeated_in_window"], f["repeated_events"] - f["repeated_in_window"])
    print(f"  {f['incidents']} incidents ({f['confirmed']} confirmed); notifier killed {kills} times; "
          f"SMTP down {outages} times; settled {'in' if calm else 'NOT within'} {took:.0f} s")
    print(f"  outbox: {f['written']} e-mails written; received {f['received']} ({f['distinct']} distinct Message-IDs)")
    print(f"  lost: {lost} (sent but not received {len(f['sent_not_received'])}, never sent {len(f['not_sent'])}, "
          f"owed but never written {len(f['untold'])})")
    for item in (f["sent_not_received"] + f["not_sent"])[:10] + f["untold"][:10]:
        print(f"    {item}")
    print(f"  repeated: {f['repeated']} by Message-ID, {f['repeated_events']} by (incident, address, event); "
          f"within the documented window {f['repeated_in_window']}, outside it {outside}")
    if f["repeated_events"]:
        print(f"    by (incident, address, event): {f['repeated_events_to_staff']} to the technician, "
              f"{f['repeated_events'] - f['repeated_events_to_staff']} to customers; the first ones, with the incident "
              "each copy was written for (a merged incident's are counted as its parent's):")
        for item in f["repeated_event_sources"][:12]:
            print(f"    {item}")
        for item in f["timelines"]:
            print(f"    {item}")
    for name in start:
        fds0, rss0 = zip(*start[name])
        fds1, rss1 = zip(*end[name])
        again = " (a later process: it was restarted)" if name == "notifier" else ""
        grew = [what for what, more in (("fds", min(fds1) > max(fds0) + 2), ("RSS", min(rss1) > max(rss0) * 1.2))
                if more]
        print(f"  {name}: fds {min(fds0)}-{max(fds0)} -> {min(fds1)}-{max(fds1)}, RSS {max(rss0) / 2**20:.0f} -> "
              f"{max(rss1) / 2**20:.0f} MiB ({(max(rss1) / max(rss0) - 1) * 100:+.0f} %): "
              f"{'grew: ' + ', '.join(grew) if grew else 'flat'}{again}")
    print(f"  web status page: {len(web_errors)} failed fetches{': ' + web_errors[0] if web_errors else ''}; "
          f"processes that died by themselves: {', '.join(crashed) or 'none'}; tracebacks in logs: {tracebacks}")
    return 1 if lost or outside or crashed or not calm else 0


if __name__ == "__main__":
    sys.exit(main())
