"""ASGI entry point: metrics, heartbeat pings, agents' reports and cached public status pages are answered before
Django, everything else by Django."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custode.settings")
django_application = get_asgi_application()

from custode.agents.asgi import ReportApp  # noqa: E402  (needs Django set up)
from custode.results.pings import PingApp  # noqa: E402
from custode.server.metrics import MetricsApp  # noqa: E402
from custode.status.asgi import StatusApp  # noqa: E402

status = StatusApp(django_application)
agent_reports = ReportApp(status)
pings = PingApp(agent_reports)
application = MetricsApp(pings, recorder=pings.recorder)
