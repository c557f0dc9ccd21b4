"""Several engines of one location sharing its monitors through leases in PostgreSQL (README, "Several engines").

There is no coordinator but the database. A location's monitors fall into ``SLOTS`` slots (``id % SLOTS``); an
engine checks the monitors of the slots it holds a lease on (``SlotLease``), and nothing else. Every
``lease / 4`` seconds each engine runs one short transaction (``renew``): it says it is alive, extends its
leases, and takes free or expired slots up to its fair share, ``ceil(SLOTS / live engines)``. An engine above
its share (another one started) lets the excess go: it stops scheduling their monitors at once, waits for their
checks in flight, writes their results, and only then frees the slots, so the taker reads each monitor's last
check time (``Monitor.last_check_at``) and continues its cadence: neither a skipped check nor a double one.

Timing. A lease lasts half the shortest period of the location's monitors, between 4 s and 30 s
(``lease_for``). An engine killed with SIGKILL holds its slots at most one lease longer; the others take them
within a renewal after that and check the overdue monitors spread over at most a quarter of their period, so
each is checked again within ``lease + lease / 4 + period / 4`` of the kill: within two periods for periods of
3 s and more (under one for 8 s and more), within about 6 s for shorter ones. An engine whose renewals do not commit (its database away) stops checking its slots
a quarter lease before they end, before anyone else may take them (``Leases._watch``).

On SQLite there is one engine (``alone`` holds a lock file beside the database): it holds every slot and
writes no lease.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import logging
import math
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from custode.engine.models import EngineProcess, SlotLease
from custode.lib.env import SettingError
from custode.monitors.models import Monitor
from custode.results.models import LocationState

log = logging.getLogger("custode.engine")

SLOTS = 256  # enough to share among dozens of engines evenly; few enough that a renewal reads them in a blink
# Not below 4 s: an engine saturated with checks took up to 1.3 s to renew (bench/engine.py, 8,000 checks/s on two
# cores), and a renewal that has not committed within 3/4 of a lease stops every check of the engine.
LEASE_MIN, LEASE_MAX = 4.0, 30.0

ENGINES, LEASES, MONITORS = EngineProcess._meta.db_table, SlotLease._meta.db_table, Monitor._meta.db_table
LOCATIONS = LocationState._meta.db_table


def lease_for(shortest: float) -> float:
    """Half the shortest period, so a killed engine's monitors are checked again within two of their periods."""
    return min(LEASE_MAX, max(LEASE_MIN, shortest / 2))


def slot_of(monitor_id: int) -> int:
    return monitor_id % SLOTS


class Whole:
    """The one engine of its database (SQLite, or an engine a test runs in a thread): every slot is its own."""

    owned: set[int] | None = None  # None: every slot, without asking

    def __init__(self, lock: Any = None):
        self.lock = lock  # the open lock file of ``alone``, held while the process lives

    async def keep(self, engine: Any) -> None:
        return None

    async def close(self, engine: Any) -> None:
        return None


def sharing(location: str) -> Whole | Leases:
    """How the engine of this process gets its monitors: leases on PostgreSQL, alone on SQLite."""
    if connection.vendor == "postgresql":
        return Leases(location)
    if connection.vendor == "sqlite":
        return Whole(alone(str(connection.settings_dict["NAME"])))
    return Whole()


def alone(database: str) -> Any:
    """Hold a lock beside the SQLite file DATABASE while the process lives, or refuse to start: SQLite runs one
    engine. The kernel drops the lock when the process ends, however it ends, so a restart after a SIGKILL is not
    refused."""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    path = Path(f"{database}.engine-lock")
    handle = open(path, "a")  # noqa: SIM115 -- held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SettingError(f"another engine is already running on the SQLite database {database}: SQLite runs one "
                           "engine. To share the checks among several engines, use PostgreSQL (CUSTODE_DATABASE_URL="
                           "postgresql://...; README, \"Several engines\")") from None
    return handle


class Leases:
    """An engine's share of its location's slots on PostgreSQL. ``owned`` is the set the scheduler reads (kept
    the same object, changed in place); ``keep`` renews it while the engine runs, ``close`` gives it back."""

    def __init__(self, location: str, *, lease: float | None = None):
        self.location = location
        self.fixed = lease
        self.lease = lease or LEASE_MAX
        self.owned: set[int] = set()
        self.releasing: set[int] = set()
        self.id: int | None = None
        # When the last renewal that committed began (monotonic), and the lease it took: set in the leases thread.
        self.confirmed: tuple[float, float] = (-math.inf, 0.0)
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="custode-leases")  # never behind a long flush
        self.tasks: set[asyncio.Task] = set()
        self._shortest: tuple[Any, float] = (None, LEASE_MAX * 2)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.thread, partial(_fresh, fn, *args))

    async def keep(self, engine: Any) -> None:
        """Renew every quarter lease while the engine runs; a failed round is logged and the next one tried."""
        while self.id is None:
            self.lease = self.fixed or lease_for(self._shortest_period(engine))
            try:
                self.id = await self._db(register, self.location, self.lease)
            except Exception as e:
                log.warning("joining the engines of %s failed, trying again: %s", self.location, e)
                await asyncio.sleep(1)
        log.info("engine %d of location %s: leases of %.1fs", self.id, self.location, self.lease)
        self._spawn(self._watch())
        while not engine.stopping.is_set():
            started = time.monotonic()
            self.lease = self.fixed or lease_for(self._shortest_period(engine))
            try:
                held, share = await self._db(self._renew, self.lease)
                await self._settle(engine, held, share)
            except Exception as e:
                log.warning("renewing the leases failed: %r", e)
            took = time.monotonic() - started
            if took > self.lease / 2:  # a quarter lease more and its checks stop (``_watch``)
                log.warning("renewing the leases took %.2fs of a %.1fs lease", took, self.lease)
            await asyncio.sleep(max(0.0, self.lease / 4 - took))

    def _renew(self, lease: float) -> tuple[set[int], int]:
        """In the leases thread: a renewal, and when it began if it committed (its leases run from after then)."""
        began = time.monotonic()
        outcome = renew(self.id, self.location, lease)
        self.confirmed = (began, lease)
        return outcome

    def valid_until(self) -> float:
        """Past this (monotonic), our leases may have ended and another engine taken them: a lease from the last
        renewal that committed (the length it took then), less a quarter, for the checks that started just before."""
        began, lease = self.confirmed
        return began + lease * 3 / 4

    async def _watch(self) -> None:
        """Stop checking every slot when no renewal has committed in time (the database away, the process
        starved), before another engine may take them; the next renewal that commits gives them back."""
        while True:
            await asyncio.sleep(max(0.05, self.valid_until() - time.monotonic()) if self.owned else self.lease / 4)
            if self.owned and time.monotonic() >= self.valid_until():
                self._drop(set(self.owned), why="leases not renewed in time")

    async def _settle(self, engine: Any, held: set[int], share: int) -> None:
        """Act on a renewal: drop what we lost, schedule what we gained, let go of what is above our share."""
        lost = self.owned - held
        if lost:
            self._drop(lost, why="taken by another engine")
        gained = held - self.owned - self.releasing
        if gained:
            await self._gain(engine, gained)
        excess = len(self.owned) - share
        if excess > 0:
            out = set(sorted(self.owned)[-excess:])
            self._drop(out, why="above this engine's share")
            self.releasing |= out
            self._spawn(self._release(engine, out))

    def _drop(self, slots: set[int], *, why: str) -> None:
        """Stop scheduling SLOTS' monitors: the scheduler skips what it pops of a slot not owned."""
        self.owned -= slots
        log.info("engine %s stops checking %d slots (%s); holds %d", self.id, len(slots), why, len(self.owned))

    async def _gain(self, engine: Any, slots: set[int]) -> None:
        """Schedule SLOTS' monitors from their last check, as their previous engine would have."""
        last = await self._db(last_checks, sorted(slots), self.location)
        now_wall, now = time.time(), time.monotonic()
        self.owned |= slots
        for rt in engine.monitors.values():
            if slot_of(rt.id) not in slots or rt.running or rt.paused:
                continue  # a check in flight reschedules itself when it ends; a paused monitor is not checked
            at, state = last.get(rt.id, (None, None))
            if state is not None:
                rt.state = state  # moved by its previous engine since we loaded it
            rt.generation += 1  # whatever the heap held for it is stale
            rt.due = now + next_check(rt, at, now_wall)
            engine._push(rt)
        log.info("engine %s checks %d more slots; holds %d", self.id, len(slots), len(self.owned))

    async def _release(self, engine: Any, slots: set[int]) -> None:
        """Free SLOTS once their checks in flight are over and written, so the taker reads their last check."""
        try:
            while any(slot_of(rt.id) in slots for rt, _ in list(engine.in_flight.values())):
                await asyncio.sleep(0.02)
            await engine.flush()
            await self._db(release, self.id, self.location, sorted(slots))
        except Exception as e:  # still ours in the database: the next renewal hands them back to us
            log.warning("freeing %d slots failed: %s", len(slots), e)
        finally:
            self.releasing -= slots

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _shortest_period(self, engine: Any) -> float:
        """The shortest period among the loaded monitors, computed again only when they changed."""
        mark = (len(engine.monitors), engine.seen_changes)
        if mark != self._shortest[0]:
            periods = [rt.period() for rt in engine.monitors.values()]
            self._shortest = (mark, min(periods) if periods else LEASE_MAX * 2)
        return self._shortest[1]

    async def close(self, engine: Any) -> None:
        """After the engine's last results are written: give every slot back at once and leave."""
        for task in list(self.tasks):
            task.cancel()
        if self.id is not None:
            try:
                await self._db(leave, self.id, self.location)
            except Exception as e:  # the leases expire by themselves
                log.warning("giving the leases back failed: %s", e)
        self.owned.clear()
        await self._db(_close)
        self.thread.shutdown(wait=True)


def next_check(rt: Any, last_check_at: Any, now_wall: float) -> float:
    """Seconds from now to RT's next check, taken over from another engine: a period after its last check. If
    that is past by less than a period (the handover took a moment, or its engine was killed), soon: the late
    ones spread by their offsets over as long as they are late, at most a quarter period, so they are caught up
    at about the pace they fell behind, not in one burst. Never checked, or not for longer: at its offset in the
    period counted on the wall clock, which every engine reads alike, so a monitor handed over before its first
    check keeps its turn."""
    period = rt.period()
    offset = rt.offset() % period
    if last_check_at is not None:
        late = now_wall - (last_check_at.timestamp() + period)
        if late <= 0:
            return -late
        if late < period:
            return offset / period * min(late, period / 4)
    return (offset - now_wall) % period


# -- in the leases thread ---------------------------------------------------------------------------------------


def _fresh(fn: Callable[..., Any], *args: Any) -> Any:
    close_old_connections()
    return fn(*args)


def _close() -> None:
    connection.close()  # the leases thread's own connection: looked up in that thread


def register(location: str, lease: float) -> int:
    """A row for this engine, and the location's slot rows if it is the first engine there."""
    now = timezone.now()
    with transaction.atomic():
        row = EngineProcess.objects.create(location=location, host=socket.gethostname()[:255], pid=os.getpid(),
                                           started_at=now, alive_until=now + _seconds(lease))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {LEASES} (location, slot) SELECT %s, s FROM generate_series(0, %s) AS s "
                           "ON CONFLICT (location, slot) DO NOTHING", [location, SLOTS - 1])
        EngineProcess.objects.filter(alive_until__lt=now - _seconds(3600)).delete()  # engines long gone
    return row.id


def renew(engine_id: int, location: str, lease: float) -> tuple[set[int], int]:
    """One short transaction: the heartbeat; then every slot of the location locked (in slot order: concurrent
    renewals wait in line, never deadlock), ours extended and free or expired ones taken up to the fair share.
    Returns the slots held now, and the share."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ENGINES} SET alive_until = clock_timestamp() + %s * interval '1 second' "
                       "WHERE id = %s", [lease, engine_id])
        if cursor.rowcount == 0:  # removed as long gone (paused for an hour): back under the same id
            cursor.execute(f"INSERT INTO {ENGINES} (id, location, host, pid, started_at, alive_until) VALUES "
                           "(%s, %s, %s, %s, clock_timestamp(), clock_timestamp() + %s * interval '1 second')",
                           [engine_id, location, socket.gethostname()[:255], os.getpid(), lease])
        cursor.execute(f"SELECT slot, engine_id, expires_at > clock_timestamp() FROM {LEASES} WHERE location = %s "
                       "ORDER BY slot FOR UPDATE", [location])
        slots = cursor.fetchall()
        cursor.execute(f"SELECT count(*) FROM {ENGINES} WHERE location = %s AND alive_until > clock_timestamp()",
                       [location])
        share = math.ceil(SLOTS / max(1, cursor.fetchone()[0]))
        mine = [slot for slot, holder, valid in slots if holder == engine_id and valid]
        free = [slot for slot, holder, valid in slots if holder is None or not valid]
        held = mine + free[:max(0, share - len(mine))]
        cursor.execute(f"UPDATE {LEASES} SET engine_id = %s, expires_at = clock_timestamp() + %s * interval '1 second' "
                       "WHERE location = %s AND slot = ANY(%s)", [engine_id, lease, location, held])
    return set(held), share


def release(engine_id: int, location: str, slots: list[int]) -> None:
    SlotLease.objects.filter(location=location, slot__in=slots, engine_id=engine_id).update(engine_id=None,
                                                                                            expires_at=None)


def leave(engine_id: int, location: str) -> None:
    with transaction.atomic():
        SlotLease.objects.filter(location=location, engine_id=engine_id).update(engine_id=None, expires_at=None)
        EngineProcess.objects.filter(id=engine_id).delete()


def last_checks(slots: list[int], location: str) -> dict[int, tuple[Any, str]]:
    """Each monitor of SLOTS: its last check time and its state, as its previous engine left them; of a monitor
    with several locations, those of LOCATION (none yet when it never checked it), not the monitor's."""
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT m.id, CASE WHEN jsonb_array_length(m.locations) > 1 THEN l.last_check_at
                                            ELSE m.last_check_at END,
                                  CASE WHEN jsonb_array_length(m.locations) > 1 THEN l.state ELSE m.state END
                           FROM {MONITORS} m LEFT JOIN {LOCATIONS} l ON l.monitor_id = m.id AND l.location = %s
                           WHERE m.id %% {SLOTS} = ANY(%s)""", [location, slots])
        return {monitor_id: (at, state) for monitor_id, at, state in cursor.fetchall()}


def _seconds(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)
