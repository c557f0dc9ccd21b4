"""The real engine against real HTTP targets on loopback: a server and its sites fail at the same moment.

The sites are checked more often than their server, so their failures are found first; the engine then
checks the server at once and holds the sites' DOWN until the server's is stored, so incidents see the
root cause first: staff get one alert and each customer contact one message.
"""

from __future__ import annotations

import pytest

from custode.engine.tests.harness import Target, running_engine, wait_for
from custode.incidents import processor
from custode.incidents.models import Incident, Status
from custode.monitors.models import Monitor, State
from custode.notify.models import Message
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def all_in(state: str, monitors: list[Monitor]) -> bool:
    return Monitor.objects.filter(pk__in=[m.pk for m in monitors], state=state).count() == len(monitors)


def drain() -> bool:
    """Run the incident processor until it is idle, as the notifier would; True when nothing is left."""
    while processor.step():
        pass
    return not StateChange.objects.filter(processed_at=None).exists()


def test_a_server_and_its_sites_failing_together_give_one_incident_and_one_message_per_recipient(monkeypatch):
    monkeypatch.setenv("CUSTODE_INCIDENT_STABLE", "1s")
    server_target, sites_target = Target([200]), Target([200])
    try:
        factories.provider()
        factories.staff("anna", on_call=True, notify=["email"])
        server = factories.asset("srv", kind="server", name="srv.example")
        server_monitor = factories.monitor(asset=server, interval=4, retries=1, spec={"url": server_target.url})
        customers = [factories.customer(language=lang) for lang in ("it", "en", "es")]
        sites = []
        for i in range(9):
            site = factories.asset(customer=customers[i % 3])
            site.depends_on.add(server)
            sites.append(factories.monitor(asset=site, interval=2, retries=1, spec={"url": sites_target.url}))
        for customer in customers:
            factories.contact(customer)
        monitors = [server_monitor, *sites]
        with running_engine():
            wait_for(lambda: all_in(State.UP, monitors), timeout=20)
            sites_target.statuses = server_target.statuses = [503]
            wait_for(lambda: drain() and all_in(State.DOWN, monitors) and drain(), timeout=30)
            incident = Incident.objects.get(status=Status.INVESTIGATING)
            assert incident.root_asset == server and incident.monitors.count() == 10
            assert incident.affected.count() == 3
            server_down = StateChange.objects.get(monitor=server_monitor, to_state="down")
            assert not StateChange.objects.filter(to_state="down", id__lt=server_down.id).exists()
            opened = Message.objects.filter(key__contains=":opened:")
            assert opened.filter(audience="staff").count() == 1
            assert sorted(opened.filter(audience="customer").values_list("language", flat=True)) == ["en", "es", "it"]
            assert not opened.exclude(topic=f"incident:{incident.pk}").exists()

            server_target.statuses = sites_target.statuses = [200]
            wait_for(lambda: drain() and Incident.objects.get(pk=incident.pk).status == Status.RESOLVED, timeout=30)
        assert Message.objects.filter(key__contains=":resolved:", audience="customer").count() == 3
    finally:
        server_target.close()
        sites_target.close()
