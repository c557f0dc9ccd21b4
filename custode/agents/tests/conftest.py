import datetime as dt
import json

import pytest
from django.test import Client

from custode.agents.services import agent_enroll, agent_token_create
from custode.testing import factories

GiB = 1024**3


def report(at: dt.datetime | None = None, **fields) -> dict:
    """A report as the agent sends it, measured and sent AT (now when not given)."""
    at = at or dt.datetime.now(dt.timezone.utc)
    body = {
        "at": at.isoformat(), "sent_at": at.isoformat(), "load": [0.5, 0.4, 0.3], "cpu_count": 2,
        "cpu_percent": 12.5, "memory": {"total": 8 * GiB, "available": 6 * GiB, "percent": 25.0},
        "swap": {"total": GiB, "used": 0, "percent": 0.0},
        "disks": [{"mount": "/", "size": 100 * GiB, "used": 40 * GiB, "percent": 40.0, "inodes": 6_000_000,
                   "inodes_used": 300_000}],
        "uptime_s": 3600.0, "updates": {"pending": 7, "security": 2, "manager": "apt"},
        "inventory": {"os": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0-18-amd64", "cpu_model": "Xeon",
                      "cores": 2, "memory": 8 * GiB},
    }
    body.update(fields)
    return body


@pytest.fixture
def server(db):
    factories.provider(timezone="Europe/Rome")
    bianchi = factories.customer("bianchi", name="Studio Bianchi", language="it")
    factories.asset("bianchi-srv", customer=bianchi, kind="server", name="Server Bianchi")
    return factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS Bianchi")


def enrolled(asset: str) -> str:
    """The credential of ASSET's freshly enrolled agent."""
    _, token = agent_token_create(asset=asset)
    return agent_enroll(token=token, hostname=f"{asset}.lan")[1]


def post(path: str, body, credential: str | None = None):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    extra = {"HTTP_AUTHORIZATION": f"Bearer {credential}"} if credential else {}
    return Client().post(path, data, content_type="application/json", **extra)
