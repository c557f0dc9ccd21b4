"""A server's incident reaches the on-call technician on every channel they listed: an Apprise URL and a
signed webhook, each delivered once to a real receiver on loopback; and by e-mail when they listed none."""

from __future__ import annotations

import json

import pytest

from custode.directory.models import StaffProfile
from custode.incidents.tests.world import T0, build, run
from custode.monitors.models import State
from custode.notify import delivery, signing
from custode.notify.models import Message
from custode.notify.tests.peers import HttpReceiver, SmtpServer
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()


def test_the_on_call_alert_reaches_an_apprise_json_url_and_a_signed_webhook_once_each(receiver):
    world = build()
    hosts = receiver.url.removeprefix("http://")
    StaffProfile.objects.filter(pk=world.on_call.pk).update(
        notify=[f"json://{hosts}/apprise", f"webhook+{receiver.url}/hooks/custode"])
    factories.state_change(world.server_monitor, State.DOWN, at=T0)
    run(T0)
    while delivery.step():
        pass
    while delivery.step():  # nothing is left to send a second time
        pass

    by_path = {r.path: r for r in receiver.requests}
    assert sorted(r.path for r in receiver.requests) == ["/apprise", "/hooks/custode"]
    apprise = json.loads(by_path["/apprise"].body)
    assert "srv-1" in apprise["title"] and "srv-1" in apprise["message"]
    hook = by_path["/hooks/custode"]
    assert signing.verify(hook.body, hook.headers["X-Custode-Signature"])
    document = json.loads(hook.body)
    assert document["event"] == "incident.opened" and document["customer"] is None
    assert not Message.objects.filter(audience="staff", channel__in=["apprise", "webhook"]).exclude(status="sent").exists()


def test_staff_without_notify_urls_are_alerted_by_email(settings):
    """Staff never have fewer ways out than customers: no notify targets means their own e-mail, as for contacts."""
    smtp = SmtpServer()
    smtp.start()
    try:
        settings.SMTP_URL = smtp.url
        world = build(sites=3, customers=3)
        StaffProfile.objects.update(notify=[])
        factories.state_change(world.server_monitor, State.DOWN, at=T0)
        run(T0)
        while delivery.step():
            pass

        by_address = {m["To"].addresses[0].addr_spec: m for m in smtp.mailbox.messages}
        assert len(by_address) == len(smtp.mailbox.messages) == 2 + 3  # the two technicians, the three contacts
        assert "srv-1" in by_address["anna@example.com"]["Subject"]
        assert "srv-1" in by_address["bruno@example.com"]["Subject"]
        assert not Message.objects.exclude(status="sent").exists()
    finally:
        smtp.stop()
