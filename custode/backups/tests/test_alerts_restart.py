"""A backup problem's staff alerts are told once however often `custode notifier` is restarted: the real
process, delivering to a real SMTP server, stopped by SIGKILL after each alert went out and started again.

The engine's rounds and the incident step run in this process on the test's clock (``test_alerts.judge``),
while no notifier runs; each notifier started then finds the outbox as the last one left it."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from custode.backups.tests.test_alerts import MINUTE, NIGHT, good_again, judge, make_failed, world  # noqa: F401
from custode.engine.tests.harness import wait_for
from custode.incidents.models import Incident, Status
from custode.notify.models import Message
from custode.notify.tests.conftest import smtp  # noqa: F401  (fixture: a real SMTP server)
from custode.notify.tests.peers import SmtpServer
from custode.server.tests.processes import custode_env, running, shared_database_url

pytestmark = pytest.mark.django_db(transaction=True)

SETTLE = 1.5  # seconds a restarted notifier is given to tell anything again (its loops nap 0.2 s)
ALERTS = r"^incident:\d+:(opened|resolved):"  # the keys of an incident's opened and resolved messages


def alerts_sent(count: int) -> bool:
    return Message.objects.filter(audience="staff", key__regex=ALERTS, status="sent").count() == count


def about_the_job(smtp: SmtpServer) -> list[str]:
    """The keys of the incident's opened and resolved staff alerts received, once per copy: a mail is known by
    its Message-ID, which starts with its outbox row's id (a subject may come back folded otherwise)."""
    alerts = dict(Message.objects.filter(audience="staff", key__regex=ALERTS).values_list("pk", "key"))
    received = (int(m["Message-ID"].strip("<").split(".")[0]) for m in smtp.mailbox.messages)
    return [alerts[pk] for pk in received if pk in alerts]


def notifier_runs(env: dict, *, until) -> None:
    """A notifier started, left running until UNTIL holds, and SIGKILLed (``running``): a crash, then a restart."""
    with running("notifier", env=env) as notifier:
        notifier.wait_for("notifier started", timeout=30)
        until()


def test_a_backup_problem_is_told_to_staff_once_opened_and_once_resolved_across_notifier_restarts(
        monkeypatch, world, smtp, tmp_path):
    env = {**custode_env(tmp_path, database_url=shared_database_url()), "CUSTODE_SMTP_URL": smtp.url,
           "CUSTODE_BASE_URL": "https://custode.example"}
    judge(monkeypatch, NIGHT)
    make_failed(world, NIGHT)
    judge(monkeypatch, NIGHT)

    notifier_runs(env, until=lambda: wait_for(lambda: alerts_sent(1), 20))
    judge(monkeypatch, NIGHT + MINUTE)  # still failed, judged again while no notifier runs
    notifier_runs(env, until=lambda: time.sleep(SETTLE))
    assert len(about_the_job(smtp)) == 1

    good_again(world, NIGHT + 10 * MINUTE)
    judge(monkeypatch, NIGHT + 11 * MINUTE)
    judge(monkeypatch, NIGHT + 20 * MINUTE)  # stable past CUSTODE_INCIDENT_STABLE (2m): resolved
    notifier_runs(env, until=lambda: wait_for(lambda: alerts_sent(2), 20))
    notifier_runs(env, until=lambda: time.sleep(SETTLE))

    assert Incident.objects.get().status == Status.RESOLVED
    told = about_the_job(smtp)
    assert len(told) == 2 and told[0] != told[1], told  # opened, then resolved
    repeated = {k: n for k, n in Counter((m["To"], m["Subject"]) for m in smtp.mailbox.messages).items() if n > 1}
    assert not repeated, "nothing the notifier tells (the morning round either) goes out twice"
