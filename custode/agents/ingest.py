"""An agent's report from the bytes received to the rows stored: one way, whichever path received it.

``received`` checks a request without a query (its credential header, declared length, body, and the time it
came): a pure function, so the ASGI fast path (``agents.asgi``), the Django view and the tests share it.
``store_reports`` then authenticates and stores a batch of them in one transaction: one query finds every
credential's agent, its asset, thresholds and open patch record (locked on PostgreSQL), each report is judged in
Python in the order received, and the batch is written set-based (``custode.lib.rowsets``): the agents' rows in
one statement, the samples in one, old samples removed in one (on PostgreSQL the three are one statement), patch
records in one or two more only when a stretch opens, grows or clears. A report refused (401, 403, 400, 413)
stores nothing and does not touch the others of its batch. The answers are the ones the view always gave.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from custode.accounts.models import token_hash
from custode.agents import reports, services, verdict
from custode.agents.models import Agent, AgentSample, AgentWatch, PatchRecord
from custode.agents.patches import Stretch, patch_step
from custode.agents.specs import Thresholds, thresholds_of
from custode.backups.reports import BadReport
from custode.lib.rowsets import param, select

NO_CREDENTIAL = "send the device's credential (from custode-agent enroll) as Authorization: Bearer ..."
UNKNOWN_CREDENTIAL = "this credential is not known or was revoked: enrol the device again"


@dataclass(frozen=True)
class Received:
    """A report request as checked without a query: DIGEST of its credential (None: it sent none), and the report
    or why the body is refused (told only once the credential is known to be the asset's)."""

    asset: str
    digest: str | None
    report: reports.Report | None = None
    refused: BadReport | None = None


@dataclass(frozen=True)
class Outcome:
    """What a report is answered: stored (with the thresholds it was judged by) or refused with a status."""

    status: int
    message: str = ""
    watch: Thresholds | None = None

    def content(self) -> tuple[bytes, str]:
        """The answer's body and content type."""
        if self.watch is None:
            return (self.message.rstrip("\n") + "\n").encode(), "text/plain; charset=utf-8"
        said = {"stored": True, "interval": services.INTERVAL, "services": list(self.watch.services)}
        return json.dumps(said).encode(), "application/json"


def received(asset: str, *, authorization: str, declared: str, body: bytes, now: dt.datetime) -> Received:
    """The request to ASSET's report URL with the AUTHORIZATION header, the DECLARED Content-Length and BODY (at most
    one byte more than a report may be), received NOW."""
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return Received(asset, None)
    digest = token_hash(credential.strip())
    try:
        if declared.isdigit() and int(declared) > reports.MAX_BODY:
            raise reports.too_large(int(declared))
        return Received(asset, digest, report=reports.parse(body, now))
    except BadReport as e:
        return Received(asset, digest, refused=e)


# -- one batch ----------------------------------------------------------------------------------------------------


@dataclass
class _Agent:
    """An agent as its batch reads it, and what the batch's reports make of it."""

    id: int
    asset: str
    watch: Thresholds
    measured_at: dt.datetime | None
    over: dict
    patch: Stretch | None
    newest: reports.Report | None = None  # the batch's report that is now its latest
    problems: list = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)  # every patch record the batch saw open


@dataclass
class _Batch:
    agents: dict[str, _Agent]  # by credential digest
    samples: list[tuple] = field(default_factory=list)
    stored: set[int] = field(default_factory=set)  # the agents with a report stored


_AGENTS, _ASSETS = Agent._meta.db_table, Agent._meta.get_field("asset").related_model._meta.db_table
_WATCHES, _PATCHES, _SAMPLES = AgentWatch._meta.db_table, PatchRecord._meta.db_table, AgentSample._meta.db_table
_DIGESTS = ("digest text",)
_STRETCHES = ("agent bigint", "since timestamptz", "cleared timestamptz", "pending int", "security int",
              "upgraded timestamptz")
_STORED_STRETCHES = ("id bigint", "cleared timestamptz", "pending int", "security int", "upgraded timestamptz")
_NEWEST = ("id bigint", "report jsonb", "measured timestamptz", "over jsonb", "problems jsonb", "patch bigint")
_SAMPLE_ROWS = ("agent bigint", "at timestamptz", "load float8", "cpu float8", "memory float8", "disk float8")
_IDS = ("id bigint",)


def _with(vendor: str, **tables: Sequence[str]) -> str:
    """Each of TABLES (name: columns) read from a parameter (``rowsets``), once."""
    return "WITH " + ", ".join(f"{name} AS MATERIALIZED ({select(columns, vendor)})" for name, columns in tables.items())


def _among(column: str, table: str, key: str, vendor: str) -> str:
    """COLUMN is one of TABLE's KEYs. PostgreSQL looks each up in COLUMN's index only when asked ``= ANY``: joined
    to a batch, it expects 100 rows of it and reads the whole table (every sample of the day) instead."""
    if vendor == "postgresql":
        return f"{column} = ANY(ARRAY(SELECT {key} FROM {table}))"
    return f"{column} IN (SELECT {key} FROM {table})"


def _statements(vendor: str) -> dict[str, str]:
    agents = (f"UPDATE {_AGENTS} SET report = r.report, measured_at = r.measured, received_at = %s, changed_at = %s, "
              f"over = r.over, problems = r.problems, patch_id = r.patch FROM newest r WHERE {_AGENTS}.id = r.id "
              f"AND {_among(f'{_AGENTS}.id', 'newest', 'id', vendor)}")
    samples = (f"INSERT INTO {_SAMPLES} (agent_id, at, load, cpu_percent, memory_percent, disk_percent) "
               "SELECT agent, at, load, cpu, memory, disk FROM sample_rows ORDER BY n")
    old_samples = f"DELETE FROM {_SAMPLES} WHERE {_among('agent_id', 'stored', 'id', vendor)} AND at < %s"
    return {
        # Locked on PostgreSQL: a report judged against an agent that an enrolment is replacing would undo it.
        # SQLite's transactions are IMMEDIATE: one writer at a time.
        "read": _with(vendor, d=_DIGESTS) + " SELECT a.id, a.digest, s.key, s.kind, a.measured_at, a.over, "
        "a.patch_id, p.since, p.pending, p.security, p.last_upgrade, w.id, w.load_per_core, w.disk_percent, "
        f"w.memory_percent, w.hold, w.services FROM {_AGENTS} a JOIN {_ASSETS} s ON s.id = a.asset_id "
        f"LEFT JOIN {_WATCHES} w ON w.asset_id = a.asset_id LEFT JOIN {_PATCHES} p ON p.id = a.patch_id "
        f"WHERE {_among('a.digest', 'd', 'digest', vendor)} AND a.revoked_at IS NULL"
        + (" FOR UPDATE OF a" if vendor == "postgresql" else ""),
        "patch insert": _with(vendor, r=_STRETCHES) + f" INSERT INTO {_PATCHES} (agent_id, since, cleared_at, "
        "pending, security, last_upgrade) SELECT agent, since, cleared, pending, security, upgraded FROM r "
        "ORDER BY n RETURNING id, agent_id, cleared_at",
        "patch update": _with(vendor, r=_STORED_STRETCHES) + f" UPDATE {_PATCHES} SET cleared_at = r.cleared, "
        f"pending = r.pending, security = r.security, last_upgrade = r.upgraded FROM r WHERE {_PATCHES}.id = r.id "
        f"AND {_among(f'{_PATCHES}.id', 'r', 'id', vendor)}",
        # PostgreSQL's one statement. Parameters: the newest reports, the samples, the agents that stored any, now,
        # now, the cutoff. SQLite has no UPDATE or INSERT in a WITH: it runs the three below.
        "write": _with(vendor, newest=_NEWEST, sample_rows=_SAMPLE_ROWS, stored=_IDS)
        + f", updated AS ({agents} RETURNING 1), inserted AS ({samples} RETURNING 1) {old_samples}",
        "agents": _with(vendor, newest=_NEWEST) + " " + agents,
        "samples": _with(vendor, sample_rows=_SAMPLE_ROWS) + " " + samples,
        "old samples": _with(vendor, stored=_IDS) + " " + old_samples,
    }


_SQL = {vendor: _statements(vendor) for vendor in ("postgresql", "sqlite")}


def store_reports(batch: Sequence[Received], now: dt.datetime | None = None) -> list[Outcome]:
    """Authenticate and store BATCH in one transaction, each report judged after the ones before it; the outcome of
    each. A late report (measured before its agent's latest) is a sample only, as ever."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        digests = {item.digest for item in batch if item.digest is not None}
        work = _Batch(_read(cursor, digests) if digests else {})
        outcomes = [_judge(item, work, now) for item in batch]
        if work.stored:
            _write(cursor, work, now)
    return outcomes


def _judge(item: Received, work: _Batch, now: dt.datetime) -> Outcome:
    if item.digest is None:
        return Outcome(401, NO_CREDENTIAL)
    agent = work.agents.get(item.digest)
    if agent is None:
        return Outcome(401, UNKNOWN_CREDENTIAL)
    if agent.asset != item.asset:
        return Outcome(403, f"this credential is asset {agent.asset!r}'s: it reports to /agent/{agent.asset}"
                            "/report only")
    if item.refused is not None:
        return Outcome(item.refused.status, item.refused.message)
    report = item.report
    if agent.measured_at is None or report.at > agent.measured_at:
        agent.over = verdict.over(agent.over, report, agent.watch)
        agent.problems = verdict.problems(agent.over, report, agent.watch)
        agent.measured_at, agent.newest = report.at, report
        agent.patch = patch_step(agent.id, agent.patch, report)
        if agent.patch is not None and agent.patch not in agent.stretches:
            agent.stretches.append(agent.patch)
    work.stored.add(agent.id)
    if report.at >= now - services.HISTORY:  # an older one would go with the batch's old samples at once
        work.samples.append((agent.id, _time(report.at), report.load[0], report.cpu_percent, report.memory.percent,
                             report.disk_percent()))
    return Outcome(200, watch=agent.watch)


def _read(cursor, digests: set[str]) -> dict[str, _Agent]:
    cursor.execute(_SQL[connection.vendor]["read"], [param([digest] for digest in sorted(digests))])
    found = {}
    for (pk, digest, asset, kind, measured_at, over, patch_id, since, pending, security, upgraded, watch_id,
         load, disk, memory, hold, watched) in cursor.fetchall():
        watch = None if watch_id is None else AgentWatch(load_per_core=load, disk_percent=disk, memory_percent=memory,
                                                         hold=hold, services=_json(watched))
        patch = None if patch_id is None else Stretch(patch_id, pk, _aware(since), pending, security, _aware(upgraded))
        found[digest] = _Agent(pk, asset, thresholds_of(kind, services.agent_watch_spec(watch)), _aware(measured_at),
                               _json(over), patch, stretches=[patch] if patch else [])
    return found


def _write(cursor, work: _Batch, now: dt.datetime) -> None:
    newest = [agent for agent in work.agents.values() if agent.newest is not None]
    _write_stretches(cursor, newest)
    rows = [param((agent.id, agent.newest.model_dump(mode="json"), _time(agent.measured_at), agent.over,
                   agent.problems, agent.patch.id if agent.patch else None) for agent in newest),
            param(work.samples), param([pk] for pk in sorted(work.stored))]
    stamp, cutoff = _time(now), _time(now - services.HISTORY)
    if connection.vendor == "postgresql":
        cursor.execute(_SQL["postgresql"]["write"], [rows[0], rows[1], rows[2], stamp, stamp, cutoff])
        return
    sql = _SQL["sqlite"]
    cursor.execute(sql["agents"], [rows[0], stamp, stamp])
    cursor.execute(sql["samples"], [rows[1]])
    cursor.execute(sql["old samples"], [rows[2], cutoff])


def _write_stretches(cursor, agents: list[_Agent]) -> None:
    """The patch records the batch opened, grew or cleared; the agents' open ones get their ids."""
    changed = [stretch for agent in agents for stretch in agent.stretches if stretch.changed]
    stored = [stretch for stretch in changed if stretch.id is not None]
    if stored:
        cursor.execute(_SQL[connection.vendor]["patch update"], [param(
            (s.id, _time(s.cleared_at), s.pending, s.security, _time(s.last_upgrade)) for s in stored)])
    opened = [stretch for stretch in changed if stretch.id is None]
    if opened:
        cursor.execute(_SQL[connection.vendor]["patch insert"], [param(
            (s.agent, _time(s.since), _time(s.cleared_at), s.pending, s.security, _time(s.last_upgrade))
            for s in opened)])
        ids = {agent: pk for pk, agent, cleared_at in cursor.fetchall() if cleared_at is None}
        for agent in agents:
            if agent.patch is not None and agent.patch.id is None:
                agent.patch.id = ids[agent.id]


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time as a raw query reads it: SQLite's come naive, in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


def _time(value: dt.datetime | None) -> str | None:
    """VALUE as a statement's parameter or a JSON row's value: on SQLite the text Django writes, which is compared
    as text."""
    if value is None:
        return None
    if connection.vendor == "postgresql":
        return value.isoformat()
    return connection.ops.adapt_datetimefield_value(value)
