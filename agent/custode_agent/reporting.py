"""``enroll`` and ``run``: the agent's own reports to the server (DESIGN.md, "Agent").

Every report is first a file in the spool and then a request: measured, written, and sent oldest first; a file
goes only once the server took it. So a server away for an hour loses nothing: its reports wait on disk (at
most ``SPOOL_LIMIT`` of them, the oldest dropped beyond) and go in order when it answers. A report the server
refuses as bad (400, 413) would be refused again: it is dropped, and said. A refused credential (401, 403)
stops sending, the reports kept, until the device is enrolled again.

Each report says when it was measured (``at``) and, set at each attempt, when it was sent (``sent_at``): the
server holds only the latter to its clock, so a report that waited is still taken.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import socket
import time
import urllib.error
import urllib.request
from typing import IO, Any

from custode_agent import __version__, collect, config, updates

EX_TEMPFAIL = 75  # reports left waiting for the server
SPOOL_LIMIT = 3 * 1440  # three days of reports at one a minute
UPDATES_EVERY = 3600.0  # seconds between looks at pending updates: apt's simulation takes seconds
JITTER = 0.1  # each wait is the interval give or take this share, so a thousand machines do not report at once


class Refused(Exception):
    """The server answered 4xx: the report (or the credential) is not good."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def post(url: str, body: dict[str, Any], *, timeout: float, credential: str | None = None) -> dict[str, Any]:
    """POST BODY as JSON; the answer's JSON. ``Refused`` on 4xx; ``OSError`` when the server is not there (5xx
    included: a server that errs now may not later)."""
    headers = {"Content-Type": "application/json", "User-Agent": f"custode-agent/{__version__}"}
    if credential:
        headers["Authorization"] = f"Bearer {credential}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        said = e.read().decode("utf-8", "replace").strip()
        if 400 <= e.code < 500:
            raise Refused(e.code, said or e.reason) from None
        raise OSError(f"the server answered {e.code}: {said[:200]}") from None


def enroll(*, server: str, token: str, path: str, timeout: float, out: IO[str], err: IO[str]) -> int:
    body = {"token": token, "hostname": socket.gethostname(), "version": __version__}
    try:
        answer = post(f"{server.rstrip('/')}/agent/enroll", body, timeout=timeout)
    except Refused as e:
        print(f"custode-agent: the server refused the enrolment ({e.status}): {e}", file=err)
        return 1
    except (OSError, ValueError) as e:
        print(f"custode-agent: cannot reach {server}: {e}", file=err)
        return EX_TEMPFAIL
    values = {"server": server.rstrip("/"), "asset": answer["asset"], "credential": answer["credential"],
              "interval": answer.get("interval", 60)}
    config.save(path, values)
    print(f"enrolled as asset {answer['asset']!r}; credential kept in {path} (mode 0600)", file=out)
    return 0


class Spool:
    """Reports waiting to be sent, one file each, named so that their order is the name's."""

    def __init__(self, folder: str, limit: int = SPOOL_LIMIT):
        self.folder, self.limit = folder, limit
        os.makedirs(folder, mode=0o700, exist_ok=True)

    def add(self, report: dict[str, Any]) -> None:
        name = os.path.join(self.folder, f"{time.time_ns():020d}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(report, f)
        os.replace(name + ".tmp", name)  # a crash mid-write leaves a .tmp, never half a report
        for old in self.waiting()[:-self.limit]:
            os.unlink(old)

    def waiting(self) -> list[str]:
        return [os.path.join(self.folder, n) for n in sorted(os.listdir(self.folder)) if n.endswith(".json")]


class Reporter:
    def __init__(self, path: str, *, timeout: float, err: IO[str]):
        self.values = config.load(path)
        self.spool = Spool(config.spool_dir(path, self.values))
        # on the URL enrolment reached, never one the server names: behind a proxy it may not know its own
        self.url = f"{self.values['server']}/agent/{self.values['asset']}/report"
        self.timeout, self.err = timeout, err

    def measure(self) -> None:
        report = collect.report(services=self.services(), pending=self.pending())
        self.spool.add({"at": _now(), **report})

    def services(self) -> list[str]:
        """The services to watch: the config's, and those the server last asked for (the asset's ``agent:``)."""
        asked = []
        try:
            with open(os.path.join(self.spool.folder, "services.watch"), encoding="utf-8") as f:
                asked = [str(name) for name in json.load(f)]
        except (OSError, ValueError, TypeError):
            pass
        return sorted(set(self.values.get("services") or []) | set(asked))

    def watch(self, services: Any) -> None:
        if isinstance(services, list):
            with open(os.path.join(self.spool.folder, "services.watch"), "w", encoding="utf-8") as f:
                json.dump(services, f)

    def pending(self) -> dict[str, Any] | None:
        """The pending updates, read again every ``UPDATES_EVERY`` and kept between runs in the spool's folder
        (so ``run --once`` from a timer does not simulate an upgrade every minute either)."""
        cache = os.path.join(self.spool.folder, "updates.cache")
        try:
            if time.time() - os.stat(cache).st_mtime < UPDATES_EVERY:
                with open(cache, encoding="utf-8") as f:
                    return json.load(f)
        except (OSError, ValueError):
            pass
        found = updates.pending()
        with open(cache, "w", encoding="utf-8") as f:
            json.dump(found, f)
        return found

    def flush(self) -> bool:
        """Send what waits, oldest first; whether nothing is left waiting."""
        for name in self.spool.waiting():
            try:
                with open(name, encoding="utf-8") as f:
                    report = json.load(f)
                answer = post(self.url, {**report, "sent_at": _now()}, timeout=self.timeout,
                              credential=self.values["credential"])
                self.watch(answer.get("services"))
            except Refused as e:
                print(f"custode-agent: the server refused a report ({e.status}): {e}", file=self.err)
                if e.status in (401, 403):
                    return False  # kept: enrolled again, the device sends them
            except (OSError, ValueError) as e:
                print(f"custode-agent: cannot reach {self.values['server']} ({e}); "
                      f"{len(self.spool.waiting())} report(s) wait in {self.spool.folder}", file=self.err)
                return False
            os.unlink(name)
        return True

    def interval(self) -> float:
        return float(self.values.get("interval") or 60)


def run(*, path: str, once: bool, timeout: float, err: IO[str]) -> int:
    try:
        reporter = Reporter(path, timeout=timeout, err=err)
    except config.ConfigError as e:
        print(f"custode-agent: {e}", file=err)
        return 1
    while True:
        reporter.measure()
        sent = reporter.flush()
        if once:
            return 0 if sent else EX_TEMPFAIL
        wait = reporter.interval()
        time.sleep(random.uniform(wait * (1 - JITTER), wait * (1 + JITTER)))
