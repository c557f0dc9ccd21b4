"""Enrolment tokens, the devices' credentials, and the reports agents send.

A token and a credential are kept as hashes (``accounts.models.token_hash``); the secrets are shown once. A
token is spent by one conditional ``UPDATE ... WHERE used_at IS NULL AND expires_at > now``: two devices
racing with one token cannot both enrol. Enrolling again (a reinstalled machine) replaces the asset's
credential: the old one reports nothing more.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from custode.accounts.models import token_hash
from custode.agents import verdict
from custode.agents.models import MONITOR_TYPE, Agent, AgentWatch, EnrolmentToken
from custode.agents.reports import Report
from custode.agents.specs import AgentSpec, Thresholds, thresholds_of
from custode.assets.models import Asset
from custode.assets.services import asset_get
from custode.backups.reports import BadReport
from custode.lib.changes import Change, NotFound, reference, save_fields
from custode.monitors.models import Impact, Monitor

TOKEN_PREFIX, CREDENTIAL_PREFIX = "cet_", "cag_"
TOKEN_LIFETIME = 24 * 3600  # seconds an enrolment token lasts unless told otherwise
INTERVAL = 60  # seconds between an agent's reports
HISTORY = dt.timedelta(hours=24)  # samples kept per agent, for the sparklines


def agent_token_create(*, asset: str, expires: float = TOKEN_LIFETIME,
                       now: dt.datetime | None = None) -> tuple[EnrolmentToken, str]:
    """A single-use enrolment token for ASSET lasting EXPIRES seconds, and its secret (never stored)."""
    owner = asset_get(asset)
    now = now or timezone.now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    token = EnrolmentToken.objects.create(asset=owner, digest=token_hash(secret), created_at=now,
                                          expires_at=now + dt.timedelta(seconds=expires))
    return token, secret


def agent_enroll(*, token: str, hostname: str = "", version: str = "",
                 now: dt.datetime | None = None) -> tuple[Agent, str]:
    """Spend TOKEN on its asset's agent and return the agent with the device's new credential.

    A token that is unknown, spent or expired is ``BadReport`` 403 saying which, and changes nothing."""
    now = now or timezone.now()
    digest = token_hash(token)
    with transaction.atomic():
        spent = EnrolmentToken.objects.filter(digest=digest, used_at=None, expires_at__gt=now).update(used_at=now)
        if not spent:
            raise _refusal(digest)
        asset_id = EnrolmentToken.objects.filter(digest=digest).values_list("asset_id", flat=True).get()
        credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
        agent, _ = Agent.objects.update_or_create(asset_id=asset_id, defaults=dict(
            digest=token_hash(credential), enrolled_at=now, revoked_at=None, hostname=hostname[:255],
            version=version[:40], changed_at=now, over={}, problems=[]))
        if agent.monitor_id is None:
            agent.monitor = _monitor_for(agent.asset)
            agent.save(update_fields=["monitor"])
    return agent, credential


def _monitor_for(asset: Asset) -> Monitor:
    """The monitor the engine judges ASSET's agent through (impact ``job``: staff are told, the asset is not down).
    Its id is ``<asset>-agent``, or the asset's number in it when a monitor of the config has that id."""
    key = f"{asset.key[:57]}-agent"
    if Monitor.objects.filter(key=key).exclude(type=MONITOR_TYPE).exists():
        key = f"agent-{asset.pk}"
    monitor, _ = Monitor.objects.get_or_create(key=key, defaults=dict(
        type=MONITOR_TYPE, asset=asset, interval=INTERVAL, retries=0, impact=Impact.JOB, tell_customer=False))
    return monitor


def _refusal(digest: str) -> BadReport:
    token = EnrolmentToken.objects.filter(digest=digest).first()
    if token is None:
        return BadReport("token: no enrolment token is this one; create one with "
                         "`custode agent-token create --asset ID`", status=403)
    if token.used_at is not None:
        return BadReport(f"token: this enrolment token was used at {token.used_at.isoformat()}; each enrols one "
                         "device once: create another", status=403)
    return BadReport(f"token: this enrolment token expired at {token.expires_at.isoformat()}: create another",
                     status=403)


def agent_authenticate(credential: str) -> Agent | None:
    """The agent whose device holds CREDENTIAL, unless revoked."""
    return Agent.objects.select_related("asset").filter(digest=token_hash(credential), revoked_at=None).first()


def agent_revoke(*, asset: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if not Agent.objects.filter(asset__key=asset).update(revoked_at=now, changed_at=now):
        raise NotFound("agent", asset)


def agent_store(*, agent: Agent, report: Report, now: dt.datetime | None = None) -> Thresholds:
    """Keep REPORT as AGENT's latest (unless a newer one is kept already: buffered reports come late), judged
    against the asset's thresholds, which are returned, and its numbers as a sample; samples older than
    ``HISTORY`` go in the same transaction. The newest report also moves the asset's pending security updates
    (``patches``). The way every report is stored (``ingest``), as a batch of one; ``BadReport`` 401 when AGENT
    was revoked."""
    from custode.agents import ingest  # it reads this module's thresholds and constants

    item = ingest.Received(agent.asset.key, agent.digest, report=report)
    outcome, = ingest.store_reports([item], now=now or timezone.now())
    if outcome.watch is None:
        raise BadReport(outcome.message, status=outcome.status)
    return outcome.watch


# -- thresholds (the config file's ``agent:`` keys) -------------------------------------------------------------


def thresholds_for(asset: Asset) -> Thresholds:
    return thresholds_of(asset.kind, agent_watch_spec(AgentWatch.objects.filter(asset=asset).first()))


def agent_watch_save(*, asset: str, spec: AgentSpec | None) -> Change:
    """Set ASSET's thresholds to SPEC; None takes its kind's defaults again."""
    owner = reference(asset_get, asset, "asset")
    watch = AgentWatch.objects.filter(asset=owner).first()
    if spec is None:
        if watch is None:
            return Change("agent", asset, "unchanged")
        watch.delete()
        return Change("agent", asset, "removed")
    values = dict(load_per_core=spec.load_per_core, disk_percent=spec.disk_percent,
                  memory_percent=spec.memory_percent, hold=spec.for_, services=list(spec.services))
    return save_fields(watch or AgentWatch(asset=owner), values, kind="agent", key=asset)


def agent_watch_spec(watch: AgentWatch | None) -> AgentSpec | None:
    if watch is None:
        return None
    return AgentSpec(load_per_core=watch.load_per_core, disk_percent=watch.disk_percent,
                     memory_percent=watch.memory_percent, services=watch.services,
                     **{"for": None if watch.hold is None else f"{watch.hold}s"})


def agent_facts(agent: Agent) -> verdict.Facts:
    return verdict.Facts(enrolled_at=agent.enrolled_at, received_at=agent.received_at, interval=INTERVAL,
                         problems=tuple(agent.problems))


def agent_facts_since(since: dt.datetime | None) -> list[tuple[int, verdict.Facts, dt.datetime]]:
    """(monitor id, facts, changed at) of the agents changed after SINCE (every agent when None): the engine's
    read, as ``engine.store.backup_facts_since`` is for backup jobs."""
    agents = Agent.objects.filter(monitor__isnull=False).only("monitor_id", "enrolled_at", "received_at", "problems",
                                                              "changed_at")
    if since is not None:
        agents = agents.filter(changed_at__gt=since)
    return [(agent.monitor_id, agent_facts(agent), agent.changed_at) for agent in agents]


def agent_of(asset: str) -> Agent:
    agent = Agent.objects.select_related("asset").filter(asset__key=asset).first()
    if agent is None:
        raise NotFound("agent", asset)
    return agent


def agent_status(agent: Agent) -> dict:
    """``GET /api/v1/assets/<id>/agent``: the last report as the agent sent it, with when it was received."""
    report = agent.report or {}
    return {
        "asset": agent.asset.key,
        "hostname": agent.hostname,
        "enrolled_at": agent.enrolled_at,
        "revoked": agent.revoked_at is not None,
        "measured_at": agent.measured_at,
        "received_at": agent.received_at,
        "problems": agent.problems,
        **{key: report.get(key) for key in ("load", "cpu_percent", "cpu_count", "memory", "swap", "uptime_s",
                                            "updates", "services", "network", "inventory")},
        "disks": report.get("disks") or [],
    }
