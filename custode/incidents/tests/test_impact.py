"""What a failure means decides who is told: only an outage reaches what depends on an asset and its customers.

A heartbeat (a cron or backup job's check-in) on a shared server is a job: when it fails, staff hear of it in an
incident of its own, the server and its sites are not down, and a later real outage is an incident with its
true cause. A check Custode itself cannot run (``error``) is staff's to fix and never a customer's outage.
"""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents.models import Incident, Severity, Status
from custode.incidents.tests.world import T0, build, run
from custode.monitors.models import Impact, State
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def heartbeat_on(asset, **fields):
    return factories.monitor("srv-1-backup", asset=asset, type="push", interval=300, impact=Impact.JOB,
                             spec={"grace": 120}, **fields)


def test_a_failed_heartbeat_on_a_shared_server_tells_staff_and_no_customer():
    world = build(sites=8, customers=4)
    heartbeat = heartbeat_on(world.server)
    factories.state_change(heartbeat, State.DOWN, at=T0)
    run(T0 + S)
    incident = Incident.objects.get()
    assert (incident.impact, incident.severity, incident.root_asset) == (Impact.JOB, Severity.MINOR, world.server)
    assert list(incident.assets.all()) == [world.server], "the server's sites are not touched by a failed job"
    assert not incident.affected.exists()
    assert incident.confirmed_at == T0, "a failed job is told at once: no outage above it can be its cause"
    assert not Message.objects.filter(audience="customer").exists()
    assert Message.objects.filter(audience="staff", topic=f"incident:{incident.pk}").count() == 2


def test_a_site_outage_after_a_failed_heartbeat_on_its_server_is_its_own_incident_with_its_own_cause():
    world = build(sites=8, customers=4)
    heartbeat = heartbeat_on(world.server)
    factories.state_change(heartbeat, State.DOWN, at=T0)
    run(T0 + S)
    job = Incident.objects.get()

    site, monitor = world.sites[0], world.site_monitors[0]
    factories.state_change(monitor, State.DOWN, at=T0 + 600 * S)
    run(T0 + 900 * S)  # past any hold: the server's own ping was never down
    outage = Incident.objects.exclude(pk=job.pk).get()
    assert (outage.impact, outage.root_asset) == (Impact.OUTAGE, site)
    assert list(outage.monitors.all()) == [monitor]
    assert [a.customer for a in outage.affected.all()] == [site.customer]
    assert list(job.monitors.all()) == [heartbeat] and not job.affected.exists(), "nothing joined the job's incident"
    told = Message.objects.get(audience="customer", topic=f"incident:{outage.pk}", customer=site.customer)
    assert "server" not in told.body.lower() and "servidor" not in told.body.lower()


def test_a_server_outage_does_not_take_in_a_failed_job_incident_on_it():
    world = build(sites=4, customers=2)
    heartbeat = heartbeat_on(world.server)
    factories.state_change(heartbeat, State.DOWN, at=T0)
    run(T0 + S)
    factories.state_change(world.server_monitor, State.DOWN, at=T0 + 60 * S)
    run(T0 + 61 * S)
    job, outage = Incident.objects.order_by("id")
    assert job.impact == Impact.JOB and job.status != Status.RESOLVED and job.merged_into is None
    assert outage.impact == Impact.OUTAGE and outage.root_asset == world.server
    assert heartbeat not in outage.monitors.all()
    assert outage.affected.count() == 2


def test_a_job_that_says_so_is_told_to_its_own_customer_only():
    world = build(sites=4, customers=2)
    site = world.sites[0]
    nightly = factories.monitor("site-00-export", asset=site, type="push", interval=86400, impact=Impact.JOB,
                                tell_customer=True, spec={"grace": 3600})
    factories.state_change(nightly, State.DOWN, at=T0)
    run(T0 + S)
    incident = Incident.objects.get()
    assert [a.customer for a in incident.affected.all()] == [site.customer]
    assert set(Message.objects.filter(audience="customer").values_list("customer_id", flat=True)) == {site.customer_id}


def test_a_degraded_check_on_a_server_stays_on_the_server():
    world = build(sites=4, customers=2)
    slow = factories.monitor("srv-1-latency", asset=world.server, impact=Impact.DEGRADED)
    factories.state_change(slow, State.DOWN, at=T0)
    run(T0 + S)
    incident = Incident.objects.get()
    assert (incident.impact, list(incident.assets.all())) == (Impact.DEGRADED, [world.server])
    assert not Message.objects.filter(audience="customer").exists()


def test_a_check_custode_cannot_run_is_told_to_staff_only_and_opens_no_incident():
    world = build(sites=4, customers=2)
    mysql = factories.monitor("site-00-mysql", asset=world.sites[0], type="mysql",
                              spec={"host": "127.0.0.1", "password_env": "MIRADOR_DB_PASSWORD"})
    change = factories.state_change(mysql, State.ERROR, at=T0)
    change.reason = "environment variable MIRADOR_DB_PASSWORD is not set"
    change.save()
    run(T0 + S)
    assert not Incident.objects.exists()
    assert not Message.objects.filter(audience="customer").exists()
    alerts = Message.objects.filter(audience="staff", topic="monitor:site-00-mysql")
    assert alerts.count() == 2
    assert all("MIRADOR_DB_PASSWORD" in m.body and "site-00-mysql" in m.subject for m in alerts)
    run(T0 + 2 * S)
    assert alerts.count() == 2, "told once per time the monitor goes into error"


@pytest.mark.parametrize(("language", "subject", "words", "never"), [
    ("en", "Job failed", "no customer has been told", "has been down"),
    ("it", "Job non riuscito", "nessun cliente è stato avvisato", "non risponde"),
    ("es", "Tarea fallida", "no se ha avisado a ningún cliente", "no responde"),
])
def test_staff_read_a_failed_job_as_a_job_not_as_an_outage(language, subject, words, never):
    world = build(sites=2, customers=1)
    for profile in world.staff:
        profile.language = language
        profile.save()
    factories.state_change(heartbeat_on(world.server), State.DOWN, at=T0)
    run(T0 + S)
    alert = Message.objects.filter(audience="staff").first()
    assert subject in alert.subject and "srv-1-backup" in alert.subject
    assert words in alert.body and never not in alert.body


@pytest.mark.parametrize(("language", "opened", "resolved"), [
    ("en", "a scheduled task did not complete", "completes again"),
    ("it", "un'attività programmata non è stata completata", "viene di nuovo completata"),
    ("es", "una tarea programada no se ha completado", "vuelve a completarse"),
])
def test_a_customer_told_of_a_failed_job_hears_that_their_service_still_works(language, opened, resolved):
    world = build(sites=1, customers=1)
    customer = world.customers[0]
    customer.language = language
    customer.save()
    nightly = factories.monitor("site-00-export", asset=world.sites[0], type="push", interval=86400,
                                impact=Impact.JOB, tell_customer=True, spec={"grace": 3600})
    factories.state_change(nightly, State.DOWN, at=T0)
    run(T0 + S)
    factories.state_change(nightly, State.UP, at=T0 + 3600 * S)
    run(T0 + 3 * 3600 * S)
    first, last = Message.objects.filter(audience="customer").order_by("id")
    assert opened in first.subject and "Referente 00" in first.body
    assert "unavailable" not in first.body and "non è disponibile" not in first.body
    assert resolved in last.subject
