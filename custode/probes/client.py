"""The probe's side: the engine's store over HTTPS (``HttpStore``), in place of the database.

The engine calls the store's functions in its database thread, as it calls ``custode.engine.store``'s: here
they ask the server (``Server``) and keep what it answered. ``fingerprint`` asks for the monitors, the rest
read the last answer; ``write`` queues the batch and posts what is queued. While the server is away the queue
keeps up to ``KEEP`` results (the oldest dropped beyond, counted and logged; state changes are all kept), and
each try waits longer, 1 s doubling to 30 s. Every batch keeps its id across tries, so a batch the server
stored before its answer was lost is not stored twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import ssl
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from custode.engine.store import Batch, MonitorRow, Observation, Transition

log = logging.getLogger("custode.probe")

KEEP = 100_000  # results kept while the server is away
CHUNK = 5_000  # results (or state changes) in one post
FIRST_WAIT, LONGEST_WAIT = 1.0, 30.0  # seconds before trying again after a failure: doubling from the first
TIMEOUT = 10.0
TELL_DROPPED_EVERY = 60.0  # seconds between log lines about results dropped


class Away(Exception):
    """The server did not answer, or answered that it cannot now (5xx): try again later."""


class Refused(Exception):
    """The server answered no (4xx) to this request."""

    def __init__(self, status: int, detail: Any):
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


class Server:
    """The server's probe API, with the probe's token, over one kept-alive connection."""

    def __init__(self, url: str, token: str, *, ca_file: str | None = None, timeout: float = TIMEOUT):
        self.url = url.rstrip("/") + "/api/v1/probe"
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self.client = httpx.Client(headers={"Authorization": f"Bearer {token}"}, verify=verify, timeout=timeout)

    def monitors(self, since: str | None) -> dict[str, Any]:
        return self._ask("GET", "/monitors", params={} if since is None else {"since": since})

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._ask("POST", "/batches", json=body)

    def _ask(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, self.url + path, **options)
        except httpx.HTTPError as e:
            raise Away(f"{type(e).__name__}: {e}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise Away(f"the server answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise Refused(response.status_code, f"not a JSON answer: {response.text[:200]!r}") from None
        if response.status_code >= 400:
            raise Refused(response.status_code, body.get("detail", body) if isinstance(body, dict) else body)
        return body


@dataclass
class Pending:
    """A batch waiting to be posted, under the id it keeps across tries."""

    observations: list[Observation] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tried: bool = False  # posted once: its content may be stored under its id, so nothing joins it any more

    def body(self) -> dict[str, Any]:
        return {"id": self.id,
                "observations": [{"monitor": o.monitor_id, "at": o.at.isoformat(), "status": o.status,
                                  "latency_ms": o.latency_ms, "reason": o.reason, "keep": o.keep}
                                 for o in self.observations],
                "transitions": [{"monitor": t.monitor_id, "at": t.at.isoformat(), "old": t.old, "new": t.new,
                                 "reason": t.reason, "failing_since": t.failing_since and t.failing_since.isoformat()}
                                for t in self.transitions]}


class HttpStore:
    """The functions of ``custode.engine.store`` that the engine calls, over the server's probe API."""

    def __init__(self, server: Server, first: dict[str, Any]):
        self.server = server
        self.version: str | None = None
        self.rows: list[MonitorRow] = []
        self.upstream: dict[int, tuple[int, ...]] = {}
        self.maintenance: set[int] = set()
        self.known_states: dict[int, str] = {}  # of monitors whose state change the server refused
        self.located: dict[int, str] = {}  # what this location last found of monitors shared with others
        self.pending: deque[Pending] = deque()
        self.kept = 0  # results in PENDING
        self.dropped = 0  # results dropped since the server went away
        self.told_dropped = float("-inf")  # when that was last logged
        self.wait, self.next_try, self.away = FIRST_WAIT, 0.0, ""
        self._take(first)

    # -- reading: what the server last answered --------------------------------------------------------

    def fingerprint(self) -> str | None:
        if time.monotonic() >= self.next_try:
            try:
                self._take(self.server.monitors(self.version))
                self._reached()
            except (Away, Refused) as e:
                self._failed(e)
        return self.version

    def load_monitors(self, since: int | None = None) -> list[MonitorRow]:
        return [row for row in self.rows if since is None or row.version > since]

    def monitor_ids(self) -> set[int]:
        return {row.id for row in self.rows}

    def upstream_monitors(self) -> dict[int, tuple[int, ...]]:
        return self.upstream

    def assets_in_maintenance(self, now: dt.datetime) -> set[int]:
        return self.maintenance

    def pings_since(self, since: dt.datetime | None) -> list:
        return []  # no push monitor is a probe's: heartbeats reach the server

    def facts_since(self, kind: str, since: dt.datetime | None) -> list:
        return []  # nor a backup job's or an agent's

    def states(self, ids: list[int]) -> dict[int, str]:
        return {i: self.known_states[i] for i in ids if i in self.known_states}

    def location_states(self, location: str, ids: list[int]) -> dict[int, str]:
        return {i: self.located[i] for i in ids if i in self.located}

    def prune_results(self, before: dt.datetime) -> int:
        return 0  # the server prunes its own

    def _take(self, answer: dict[str, Any]) -> None:
        self.maintenance = set(answer["maintenance"])
        if answer["monitors"] is not None:
            self.rows = [_row(item) for item in answer["monitors"]]
            self.upstream = {int(asset): tuple(ids) for asset, ids in answer["upstream"].items()}
            self.located = {int(i): state for i, state in (answer.get("location_states") or {}).items()}
            self.version = answer["version"]

    # -- writing: queued, posted in order --------------------------------------------------------------

    def write(self, batch: Batch) -> list[Transition]:
        """Queue BATCH and post what is queued, unless waiting after a failure; the state changes the server
        refused (``states`` then tells the monitors' states)."""
        self._queue(batch)
        refused: list[Transition] = []
        while self.pending and time.monotonic() >= self.next_try:
            item = self.pending[0]
            item.tried = True
            try:
                answer = self.server.post(item.body())
            except Away as e:
                self._failed(e)
                break
            except Refused as e:
                if e.status == 401:
                    self._failed(e)
                    break
                if self._without_elsewhere(item, e):
                    continue
                log.error("the server refused a batch of %d results and %d state changes, dropped: %s",
                          len(item.observations), len(item.transitions), e)
            else:
                self._reached()
                refused += self._refused(item, answer["refused"])
            self.pending.popleft()
            self.kept -= len(item.observations)
        return refused

    def _queue(self, batch: Batch) -> None:
        for start in range(0, max(len(batch.observations), len(batch.transitions)), CHUNK):
            observations = batch.observations[start:start + CHUNK]
            transitions = batch.transitions[start:start + CHUNK]
            last = self.pending[-1] if self.pending else None
            if (last is None or last.tried or len(last.observations) + len(observations) > CHUNK
                    or len(last.transitions) + len(transitions) > CHUNK):
                last = Pending()
                self.pending.append(last)
            last.observations += observations
            last.transitions += transitions
            self.kept += len(observations)
        self._bound()

    def _bound(self) -> None:
        """Drop the oldest results beyond KEEP; state changes, which tell people, are all kept."""
        excess = self.kept - KEEP
        if excess <= 0:
            return
        for item in self.pending:
            cut = min(excess, len(item.observations))
            del item.observations[:cut]
            excess -= cut
            self.kept -= cut
            self.dropped += cut
            if not excess:
                break
        if time.monotonic() - self.told_dropped >= TELL_DROPPED_EVERY:
            self.told_dropped = time.monotonic()
            log.warning("the server is still away: %d results kept, the oldest dropped (%d since it went away)",
                        self.kept, self.dropped)

    def _without_elsewhere(self, item: Pending, refusal: Refused) -> bool:
        """Whether the server refused ITEM only for results of monitors no longer this location's: then those
        are taken out of it (moved or removed meanwhile), and it is posted again."""
        errors = refusal.detail if refusal.status == 422 and isinstance(refusal.detail, list) else []
        located = [_monitor_at(item, e.get("loc")) if isinstance(e, dict) and e.get("type") == "elsewhere"
                   else None for e in errors]
        if not located or None in located:
            return False
        gone = set(located)
        log.warning("monitors %s are no longer of this location: their %d results are dropped",
                    ", ".join(map(str, sorted(gone))), len(errors))
        before = len(item.observations)
        item.observations = [o for o in item.observations if o.monitor_id not in gone]
        item.transitions = [t for t in item.transitions if t.monitor_id not in gone]
        self.kept -= before - len(item.observations)
        self.rows = [row for row in self.rows if row.id not in gone]
        return True

    def _refused(self, item: Pending, refused: list[dict[str, Any]]) -> list[Transition]:
        for r in refused:
            self.known_states[r["monitor"]] = r["state"]
        ids = {r["monitor"] for r in refused}
        return [t for t in item.transitions if t.monitor_id in ids]

    # -- the link ---------------------------------------------------------------------------------------

    def _failed(self, error: Exception) -> None:
        if not self.away:
            what = ("the server refused this probe's token (revoked?)" if isinstance(error, Refused)
                    and error.status == 401 else f"the server is away ({error})")
            log.warning("%s; results are kept (up to %d) and sent when it answers", what, KEEP)
        self.away = str(error)
        self.next_try = time.monotonic() + self.wait
        self.wait = min(self.wait * 2, LONGEST_WAIT)

    def _reached(self) -> None:
        if self.away:
            log.info("the server answers again; sending %d results kept meanwhile (%d dropped)", self.kept,
                     self.dropped)
        self.away, self.wait, self.next_try, self.dropped = "", FIRST_WAIT, 0.0, 0


def _monitor_at(item: Pending, loc: list[Any]) -> int | None:
    """The monitor of the result or state change at LOC (["body", "observations", 3, "monitor"]) in ITEM."""
    if not isinstance(loc, list) or len(loc) != 4 or loc[1] not in ("observations", "transitions"):
        return None
    items, n = getattr(item, loc[1]), loc[2]
    return items[n].monitor_id if isinstance(n, int) and 0 <= n < len(items) else None


def _row(item: dict[str, Any]) -> MonitorRow:
    """A monitor as the server sent it, as ``store.load_monitors`` gives it to the engine."""
    values = {name: item.get(name) for name in MonitorRow._fields}  # a newer server's other fields left out
    for name in ("created_at", "last_ping_at"):
        values[name] = values[name] and dt.datetime.fromisoformat(values[name])
    return MonitorRow(**values)
