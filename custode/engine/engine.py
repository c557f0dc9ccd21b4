"""The check engine: the one process that does scheduled network I/O (DESIGN.md, "Shape").

Every monitor runs at a stable place within its interval, new ones spread evenly in id order (see
``_start_schedules``), so load is even. Checks run as
asyncio tasks under a bound on concurrency; results are judged in memory (``runtime.judge``)
and written in batches by one database thread (``store``) at most about a second later.
Config changes are picked up by polling a cheap fingerprint of the monitors table.

A check should cost the same at 600 checks a second as at saturation, so everything that can be
done once is: a monitor's check input is prepared when it is loaded (``registry.prepare_for``),
checks start in batches by time (ticks of 50 to 200 ms, ``tick_for``), and results are written in batches by time.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import datetime as dt
import heapq
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import close_old_connections, connections

from custode.agents import verdict as agents
from custode.agents.models import MONITOR_TYPE as AGENT
from custode.backups import verdict as backups
from custode.backups.models import MONITOR_TYPE as BACKUP
from custode.checks import push, source
from custode.checks.deadline import RESOLUTION, next_tick
from custode.checks.errors import reason_for
from custode.checks.registry import check_for, prepare_for
from custode.checks.result import Result, Status
from custode.engine import store
from custode.engine.store import Batch
from custode.engine.leases import SLOTS, Whole
from custode.engine.runtime import MonitorRuntime, SharedParts, Verdict, judge, unconfirmed
from custode.engine.upstream import Upstream
from custode.engine.stats import Stats
from custode.lib import durations
from custode.monitors.models import Impact, State
from custode.monitors.services import monitor_spec_of

log = logging.getLogger("custode.engine")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Engine:
    def __init__(self, *, concurrency: int = 2000, flush_every: float = 1.0, reload_every: float = 2.0,
                 stats_every: float = 10.0, retention: float = 14 * 86400, sample: float = 600.0,
                 emit: Callable[[str], None] = print, own_process: bool = False, location: str = "local",
                 leases: Any = None, source_address: str | None = None, store: Any = store):
        self.store = store  # reads monitors, writes results: ``custode.engine.store`` (the database), or a probe's
        self.location = location  # checks only the monitors whose locations name it
        self.source_address = source_address  # the local address its checks connect from (``checks.source``)
        self.leases = leases or Whole()  # which of them: those of the slots it holds (``leases``)
        self.monitors: dict[int, MonitorRuntime] = {}
        self.heap: list[tuple[float, int, int, int]] = []
        self.seq = itertools.count()
        self.several: frozenset[int] = frozenset()  # the loaded monitors with more than one location (``quorum``)
        self.batch = Batch(location=location)
        self.concurrency = concurrency
        self.flush_every, self.reload_every, self.stats_every = flush_every, reload_every, stats_every
        self.retention, self.sample = retention, sample
        self.own_process = own_process  # the process is the engine's alone: it may tune the collector
        self.stats = Stats(emit)
        self.stopping = asyncio.Event()
        self.wake = Alarm()
        self.tick = TICK  # how long a tick is now (``tick_for``), and how often the scheduler wakes
        self._rated = (time.monotonic(), 0)  # when the rate of starts was last read, and the starts then
        self.in_flight: dict[asyncio.Task, tuple[MonitorRuntime, float]] = {}
        self.db = ThreadPoolExecutor(1, thread_name_prefix="custode-db", initializer=name_os_thread,
                                     initargs=("custode-db",))
        self.fingerprint: tuple | None = None
        self.shared = SharedParts()
        self.upstream = Upstream(self.monitors, self._check_now)
        self.seen_changes: int | None = None  # the highest monitor version loaded
        self.seen_pings: dt.datetime | None = None
        self.seen_facts: dict[str, dt.datetime | None] = dict.fromkeys(REPORTED)  # per type, as ``seen_pings``
        self.types: frozenset[str] = frozenset()  # of the monitors loaded: pings and facts are read for those only
        self.maintenance: set[int] | None = None  # the assets in maintenance at the last look

    async def run(self) -> None:
        source.address.set(self.source_address)  # in this task's context, which every check task inherits
        await self.reload()
        await self._stats()  # at once, so a watcher sees the monitors loaded without waiting 10 s
        loops = [self._schedule(), self._every(self.flush_every, self.flush), self._every(self.reload_every, self.reload),
                 self._every(self.stats_every, self._stats), self._every(3600, self.prune),
                 self._every(1, self._overdue), self.leases.keep(self)]
        tasks = [asyncio.create_task(c) for c in loops]
        await self.stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._drain()
        await self.leases.close(self)
        await self._db(connections.close_all)
        self.db.shutdown(wait=True)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.ring()

    # -- the database thread ------------------------------------------------------------------

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.db, partial(_in_db_thread, fn, *args))

    # -- loading monitors ---------------------------------------------------------------------

    async def reload(self) -> None:
        fingerprint = await self._db(self.store.fingerprint)
        loaded = 0
        if fingerprint != self.fingerprint:
            self.fingerprint = fingerprint
            rows = await self._db(self.store.load_monitors, self.seen_changes)
            if self.monitors:
                await self._forget_removed()
            located = await self._located(rows)
            fresh = await self._install_all(rows, located)
            self.several = frozenset(monitor_id for monitor_id, rt in self.monitors.items() if rt.several)
            self.types = frozenset(rt.type for rt in self.monitors.values())
            self.upstream.of_asset = await self._db(self.store.upstream_monitors)
            loaded, rows = len(rows), None  # the loading heap is garbage from here
            if loaded and self.own_process:
                settle_memory(returned=loaded > 1000)
            self._start_schedules(fresh)
        await self._mark_maintenance(changed=loaded > 0)
        if "push" in self.types:  # a look skipped is not lost: the next one reads everything since the last
            await self._read_pings()
        for kind in REPORTED.keys() & self.types:
            await self._read_facts(kind)
        self._retick()

    def _retick(self) -> None:
        """Fit the tick to how many checks this engine has been starting a second (``tick_for``)."""
        now, starts = time.monotonic(), self.stats.starts
        then, before = self._rated
        if now - then >= 1.0:
            self.tick, self._rated = tick_for((starts - before) / (now - then)), (now, starts)

    async def _located(self, rows: list[Any]) -> dict[int, str]:
        """This location's own state of each monitor of ROWS checked from several: where its engine starts from
        (the monitor's state is the verdict over every location's). One query, and none without such monitors."""
        ids = [row.id for row in rows if len(row.locations) > 1 and self.location in row.locations]
        return await self._db(self.store.location_states, self.location, ids) if ids else {}

    async def _install_all(self, rows: list[Any], located: dict[int, str]) -> list[MonitorRuntime]:
        """Install ROWS; returns the new monitors. Every INSTALL_SLICE rows the loop runs what is waiting: 100,000
        rows take seconds to install, and checks already scheduled should not wait that long."""
        fresh = []
        for n, row in enumerate(rows, 1):
            rt = self._install(row, located)
            if rt is not None:
                fresh.append(rt)
            self.seen_changes = max(self.seen_changes or 0, row.version)
            if n % INSTALL_SLICE == 0:
                await asyncio.sleep(0)
        return fresh

    def _start_schedules(self, fresh: list[MonitorRuntime]) -> None:
        """Put newly loaded monitors on the schedule, each period's spread evenly over it in the order of their
        ids, counted from now, when loading is over: loading 100,000 takes seconds, and places counted from
        before would make those seconds' checks due at once, a burst that a target's listen queue turns into
        seconds of retries.

        In id order, any second's checks are of neighbouring monitors, whose rows (latest result, hourly
        rollup) share the database's pages: a second's batch then writes a few pages where monitors
        scattered by a hash of their key wrote one or two a result (on SQLite, 25 against 45 us a result)."""
        now = time.monotonic()
        by_period: dict[float, list[MonitorRuntime]] = defaultdict(list)
        for rt in fresh:
            if rt.generation == 0:  # not asked for at once meanwhile (``_check_now``), which scheduled it already
                by_period[rt.period()].append(rt)
        for period, runtimes in by_period.items():
            runtimes.sort(key=attrgetter("id"))
            step = period / len(runtimes)
            for rank, rt in enumerate(runtimes):
                rt.due = now + rank * step
                self._push(rt)

    async def _forget_removed(self) -> None:
        ids = await self._db(self.store.monitor_ids)
        for gone in set(self.monitors) - ids:
            del self.monitors[gone]

    def _install(self, row: Any, located: dict[int, str]) -> MonitorRuntime | None:
        """Make ROW the monitor's current version. An edited monitor is checked at once, with what it is now;
        a new one is returned, for ``_start_schedules``. A monitor with several locations starts from this
        location's state (LOCATED), not the monitor's."""
        old = self.monitors.get(row.id)
        if old is not None and old.version == row.version:
            return None
        if self.location not in row.locations:  # another location's (or no longer this one's)
            self.monitors.pop(row.id, None)
            return None
        try:
            if row.type in REPORTED:  # judged from what its job or agent reported (``_read_facts``)
                spec, prepared = ReportedMonitor(row.key), None
                self.seen_facts[row.type] = None  # a new or edited one: read every one's facts again at this reload
            else:
                spec = self.shared.share(monitor_spec_of(row))
                prepared = prepare_for(row.type)(spec)
        except Exception as e:  # a row edited by hand into something invalid: skip it, loudly
            log.error("monitor %s has an invalid spec, not checked: %s", row.key, e)
            self.monitors.pop(row.id, None)
            return None
        same = self.shared.same
        several = len(row.locations) > 1
        state = located.get(row.id, State.UNKNOWN) if several else row.state
        rt = MonitorRuntime(id=row.id, key=spec.id, type=same(row.type), interval=row.interval, retries=row.retries,
                            timeout=same(row.timeout), spec=spec, asset_id=row.asset_id, state=same(state),
                            version=row.version, impact=same(row.impact), last_ping_at=row.last_ping_at,
                            last_ping_kind=same(row.last_ping_kind), created_at=row.created_at,
                            check=None if row.type == "push" or row.type in REPORTED else check_for(row.type),
                            prepared=prepared, several=several, paused=row.paused)
        if old is not None:
            rt.in_maintenance, rt.generation = old.in_maintenance, old.generation + 1
            if old.several == several:  # else the state it held was the monitor's, or one location's
                rt.state = old.state
            rt.facts = old.facts
        self.monitors[row.id] = rt
        if row.paused:
            self._record_state(rt, State.PAUSED, "paused")
            return None
        if rt.state == State.PAUSED:  # resumed: nothing is known of it until a check says, retries included
            self._record_state(rt, State.UNKNOWN, "resumed")
        if old is not None:
            rt.due = time.monotonic()
            self._push(rt)
            return None
        return rt

    async def _mark_maintenance(self, *, changed: bool) -> None:
        """Flag the monitors of assets in maintenance; a walk of every monitor only when the assets or the
        monitors CHANGED."""
        assets = await self._db(self.store.assets_in_maintenance, utcnow())
        if assets == self.maintenance and not changed:
            return
        self.maintenance = assets
        for rt in self.monitors.values():
            rt.in_maintenance = rt.asset_id in assets

    async def _read_pings(self) -> None:
        for monitor_id, at, kind in await self._db(self.store.pings_since, self.seen_pings):
            rt = self.monitors.get(monitor_id)
            if rt is not None:
                rt.last_ping_at, rt.last_ping_kind = at, kind
            self.seen_pings = max(self.seen_pings or at, at)

    async def _read_facts(self, kind: str) -> None:
        """The facts of the backup jobs or agents (KIND) that reported or changed since the last look (all of them
        at first).

        A ``changed_at`` is taken before its transaction commits, so the look goes back a little further than the
        newest seen: a report committed late is read then, and reading one twice changes nothing."""
        seen = self.seen_facts[kind]
        since = None if seen is None else seen - BACKUP_OVERLAP
        for monitor_id, facts, changed_at in await self._db(self.store.facts_since, kind, since):
            rt = self.monitors.get(monitor_id)
            if rt is not None:
                rt.facts = facts
            seen = max(seen or changed_at, changed_at)
        self.seen_facts[kind] = seen

    # -- scheduling ---------------------------------------------------------------------------

    def _push(self, rt: MonitorRuntime) -> None:
        if not self.heap or rt.due < self.heap[0][0]:
            self.wake.ring()  # earlier than anything the scheduler is sleeping towards
        heapq.heappush(self.heap, (rt.due, next(self.seq), rt.id, rt.generation))

    async def _overdue(self) -> None:
        """Cancel checks that outlived their timeout: each check bounds its own time, this is the backstop."""
        now = time.monotonic()
        for task, (rt, deadline) in list(self.in_flight.items()):
            if deadline < now and not task.done():
                log.warning("check %s overran its %ss timeout; cancelled", rt.key, rt.timeout)
                task.cancel()

    async def _schedule(self) -> None:
        """Start every check due within the next tick, then nap until the tick in which the next one falls
        due, or a poke.

        Starting a tick's checks together (at most a tick early) makes one wake-up per tick instead of
        one per check, and their sockets answer together too, so the loop handles many events per
        wake-up. The cost of a wake-up is shared by the checks of a tick, and the tick is longer when
        they are few (``tick_for``), so a check costs about the same at light load as at saturation.
        Ticks fall on the grid of the time limits' sweeps (``deadline.next_tick``): both are served by
        the same wake-up.
        """
        loop = asyncio.get_running_loop()
        heap, monitors, in_flight, owned = self.heap, self.monitors, self.in_flight, self.leases.owned
        while not self.stopping.is_set():
            now = time.monotonic()
            tick = self.tick
            horizon = now + tick
            while heap and heap[0][0] <= horizon and len(in_flight) < self.concurrency:
                due, _, monitor_id, generation = heapq.heappop(heap)
                rt = monitors.get(monitor_id)
                if rt is None or rt.generation != generation:
                    continue
                if owned is not None and rt.id % SLOTS not in owned:
                    continue  # its slot is another engine's: scheduled again if this one takes it
                rt.running = True
                in_flight[loop.create_task(self._run(rt, due))] = (rt, now + rt.timeout + 1.0)
            saturated = len(in_flight) >= self.concurrency
            latest = next_tick(now + 0.5)
            await self.wake.sleep_until(min(next_tick(heap[0][0] - tick, tick), latest) if heap and not saturated
                                        else latest)

    def _ended(self) -> None:
        """The current check's task ends: its slot is free (a done-callback would cost a loop turn per check)."""
        in_flight = self.in_flight
        in_flight.pop(asyncio.current_task(), None)
        if len(in_flight) == self.concurrency - 1:
            self.wake.ring()  # a slot is free again for checks that are due

    def _check_now(self, rt: MonitorRuntime) -> None:
        """Run RT's check at once instead of at its turn (its result is coming anyway if it runs)."""
        if not rt.running and not rt.paused and not self.stopping.is_set():
            rt.generation += 1
            rt.due = time.monotonic()
            self._push(rt)

    async def _run(self, rt: MonitorRuntime, due: float) -> None:
        self.stats.started(max(0.0, time.monotonic() - due))
        try:
            result = await self._execute(rt)
        finally:
            rt.running = False
            self._ended()
        if self.monitors.get(rt.id) is not rt:
            return  # edited or removed while the check ran: the new version has its own schedule
        retry = False
        if result is not None:
            retry = self._judge(rt, result)
        now = time.monotonic()
        period = rt.period()
        rt.due = now + rt.retry_delay() if retry else max(due + period, now + period * 0.5)
        if not self.stopping.is_set():
            self._push(rt)

    async def _execute(self, rt: MonitorRuntime) -> Result | None:
        reported = REPORTED.get(rt.type)
        if reported is not None:
            return reported(rt.facts, utcnow())
        if rt.type == "push":
            return push.evaluate(last_ping_at=rt.last_ping_at, last_kind=rt.last_ping_kind, interval=rt.interval,
                                 grace=rt.spec.grace, now=utcnow(), created_at=rt.created_at)
        try:
            return await rt.check(rt.prepared)
        except asyncio.CancelledError:
            if self.stopping.is_set():
                raise
            asyncio.current_task().uncancel()  # cancelled by _overdue: the check overran its timeout
            return Result.down(f"timed out after {durations.format(rt.timeout)}")
        except Exception as e:  # a check must never stop the engine; a check that crashed found nothing out
            log.exception("check %s raised", rt.key)
            return Result.error(f"the check could not run: {reason_for(e)}")

    def _judge(self, rt: MonitorRuntime, result: Result) -> bool:
        self.stats.checked()
        verdict = judge(rt, result)
        going_down = verdict.state == State.DOWN and rt.state != State.DOWN
        if (verdict.retry or going_down) and rt.impact == Impact.OUTAGE and self.upstream.holds(rt):
            verdict = Verdict(unconfirmed(rt), True)  # what it depends on is being checked: its verdict comes first
        self.upstream.judged(rt, final=not verdict.retry)
        rt.failures = rt.failures + 1 if verdict.retry else 0
        at, status = utcnow(), result.status.value
        self.batch.observations.append(
            store.Observation(rt.id, at, status, result.latency_ms, result.reason, self._keep(rt, status, at)))
        rt.failing_since = (rt.failing_since or at) if result.status is Status.DOWN else None
        self._record_state(rt, verdict.state, result.reason, at)
        return verdict.retry

    def _keep(self, rt: MonitorRuntime, status: str, at: dt.datetime) -> bool:
        """Whether a result is kept as a raw row (``CUSTODE_RESULTS_SAMPLE``): every one that is not up, the
        first up after one that was not, and one up a monitor per SAMPLE seconds of the clock; the others count
        in the hourly rollups and the monitor's latest result only. 0 keeps every result."""
        if not self.sample:
            return True
        previous, rt.last_status = rt.last_status, status
        if status != "up":
            return True
        slot = int(at.timestamp() // self.sample)
        if previous == "up" and slot == rt.raw_slot:
            return False
        rt.raw_slot = slot
        return True

    def _record_state(self, rt: MonitorRuntime, state: str, reason: str, at: dt.datetime | None = None) -> None:
        if state != rt.state:
            since = rt.failing_since if state == State.DOWN else None
            self.batch.transitions.append(store.Transition(rt.id, at or utcnow(), rt.state, state, reason, since))
            rt.state = state

    # -- writing ------------------------------------------------------------------------------

    async def flush(self) -> None:
        if not len(self.batch):
            return
        batch, self.batch = self.batch, Batch(location=self.location)
        batch.several = self.several
        try:
            refused = await self._db(self.store.write, batch)
        except Exception:
            log.exception("writing %d results failed; keeping them for the next attempt", len(batch))
            self.batch.observations[:0] = batch.observations
            self.batch.transitions[:0] = batch.transitions
            self._bound_backlog()
            return
        if refused:  # someone else moved these states meanwhile: believe the database
            for monitor_id, state in (await self._db(self.store.states, [t.monitor_id for t in refused])).items():
                if monitor_id in self.monitors:
                    self.monitors[monitor_id].state = state

    def _bound_backlog(self) -> None:
        """While the database is away, keep every state change but only the newest raw results: at most
        BACKLOG_PER_MONITOR per monitor (ten minutes at 100,000 monitors every 60 s would otherwise grow by
        150 MiB). The dropped ones are missing from the hourly counts; state changes, which tell people, never."""
        limit = max(BACKLOG_MIN, BACKLOG_PER_MONITOR * len(self.monitors))
        excess = len(self.batch.observations) - limit
        if excess > 0:
            del self.batch.observations[:excess]
            log.warning("the database is still away: dropped the %d oldest unwritten raw results "
                        "(state changes are all kept)", excess)

    async def prune(self) -> None:
        before = utcnow() - dt.timedelta(seconds=self.retention)
        removed = await self._db(self.store.prune_results, before)
        if removed:
            log.info("pruned %d raw results and pings older than %s", removed, before.isoformat())

    async def _every(self, seconds: float, job: Callable[[], Any]) -> None:
        """Run JOB every SECONDS, on the clock's grid of SECONDS: the jobs and the ticks share wake-ups."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            await asyncio.sleep(next_tick(now, seconds) - now)
            try:
                await job()
            except Exception:
                log.exception("engine job %s failed", getattr(job, "__name__", job))

    async def _stats(self) -> None:
        self.stats.emit(monitors=len(self.monitors), in_flight=len(self.in_flight), pending=len(self.batch))

    async def _drain(self, grace: float = 5.0) -> None:
        """Let running checks finish briefly, then store everything that was found."""
        if self.in_flight:
            await asyncio.wait(list(self.in_flight), timeout=grace)
            for task in list(self.in_flight):
                task.cancel()
        await self.flush()


INSTALL_SLICE = 1000
BACKUP_OVERLAP = dt.timedelta(seconds=10)  # how far before the newest job or agent change seen the next look starts
# Monitors judged from what something reported rather than by a check (their facts: ``store.facts_since``).
REPORTED = {BACKUP: backups.result, AGENT: agents.result}
BACKLOG_PER_MONITOR = 3  # unwritten raw results kept per monitor while the database is away
BACKLOG_MIN = 10_000
TICK = RESOLUTION  # the shortest tick, on the grid of the time limits' sweeps
TICK_MAX = 4 * TICK  # checks start at most this early: nobody tells a check 200 ms early from one on time
PER_TICK = 60  # checks a tick should start, for its wake-up to cost little a check


def tick_for(rate: float) -> float:
    """The tick for an engine starting RATE checks a second: the shortest of TICK, 2 TICK and TICK_MAX that starts
    about PER_TICK checks. A wake-up costs about the same however many checks it starts (the caches the loop,
    the interpreter and the kernel's network code need are cold again after a nap), so at light load longer
    ticks make a check cheaper: two engines sharing 600 checks a second run 300 each. At heavier loads ticks stay
    short, so a burst of connections to one server stays small."""
    for tick in (TICK, 2 * TICK):
        if rate * tick >= PER_TICK:
            return tick
    return TICK_MAX


@dataclass(frozen=True, slots=True)
class ReportedMonitor:
    """What the engine holds as a backup job's or an agent's monitor's spec: its id; the rest is the job's or the
    agent's (``Facts``)."""

    id: str


class Alarm:
    """The scheduler's nap: it ends after a delay or when rung, whichever comes first.

    Cheaper than ``wait_for(event.wait(), delay)``, which makes a task and a timer for every nap.
    """

    def __init__(self) -> None:
        self.waiter: asyncio.Future[None] | None = None

    async def sleep_until(self, when: float) -> None:
        """Nap until WHEN on the loop's clock (``time.monotonic``'s)."""
        loop = asyncio.get_running_loop()
        if when <= loop.time():
            await asyncio.sleep(0)
            return
        self.waiter = waiter = loop.create_future()
        handle = loop.call_at(when, _settle, waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self.waiter = None

    def ring(self) -> None:
        if self.waiter is not None:
            _settle(self.waiter)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def settle_memory(*, returned: bool) -> None:
    """After loading monitors: collect, then freeze what is left out of later collections.

    The loaded monitors live long, and every collection of the oldest generation would walk all of them
    again; frozen, they cost nothing to the collector (and are still freed when dropped). With RETURNED,
    the heap left by loading many is given back to the system (glibc keeps it otherwise).
    """
    gc.collect()
    gc.freeze()
    if returned:
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass  # not glibc: the memory is reused, only not returned


def name_os_thread(name: str) -> None:
    """Give the calling thread NAME in the system too (``top -H``, ``/proc/PID/task/*/comm``), so the database
    thread's CPU can be told from the event loop's (bench/engine.py prints it)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass  # not Linux's libc: the name is only Python's


def _in_db_thread(fn: Callable[..., Any], *args: Any) -> Any:
    close_old_connections()
    return fn(*args)
