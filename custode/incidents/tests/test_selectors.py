"""What the staff UI and the API read of incidents."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import selectors, services
from custode.incidents.models import Incident
from custode.incidents.tests.world import T0, build, run
from custode.lib.changes import NotFound
from custode.monitors.models import State
from custode.testing import factories

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def test_open_incidents_lists_the_open_ones_newest_first_with_their_customer_count():
    world = build(sites=6, customers=3)
    factories.state_change(world.outsider_monitor, State.DOWN, at=T0)
    factories.state_change(world.server_monitor, State.DOWN, at=T0 + 10 * S)
    run(T0 + 11 * S)
    listed = list(selectors.open_incidents())
    assert [i.root_asset for i in listed] == [world.server, world.outsider_monitor.asset]
    assert [i.customer_count for i in listed] == [3, 1]
    services.incident_resolve(incident=listed[0], at=T0 + 60 * S)
    assert [i.pk for i in selectors.open_incidents()] == [listed[1].pk]


def test_incident_detail_has_customers_assets_monitors_and_the_timeline():
    world = build(sites=6, customers=3)
    factories.state_change(world.server_monitor, State.DOWN, at=T0)
    run(T0 + S)
    incident = Incident.objects.get()
    services.incident_post_update(incident=incident, author=world.on_call, status="identified",
                                  template="identified", at=T0 + 60 * S)
    services.incident_post_update(incident=incident, author=world.on_call, status="identified", public=False,
                                  message="RAID degradato", at=T0 + 90 * S)
    detail = selectors.incident_detail(incident.pk)
    assert [a.customer for a in detail.affected] == world.customers
    assert set(detail.assets) == {world.server, *world.sites} and detail.monitors == [world.server_monitor]
    assert [u.public for u in detail.updates] == [True, False]
    assert [u.public for u in selectors.incident_detail(incident.pk, public_only=True).updates] == [True]


def test_incident_detail_of_an_unknown_incident_is_not_found():
    with pytest.raises(NotFound, match="incident '999' does not exist"):
        selectors.incident_detail(999)
