"""Which assets the engine treats as in maintenance, asked every 2 s: only open windows are read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custode.engine import store
from custode.maintenance.services import maintenance_save
from custode.maintenance.specs import MaintenanceSpec
from custode.testing import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


def test_only_the_windows_open_now_are_read_however_many_have_ended():
    ended = factories.asset()
    for n in range(60):
        factories.maintenance(ended, start=NOW - (n + 2) * HOUR, duration=3600)
    server, site, later = factories.asset(), factories.asset(), factories.asset()
    site.depends_on.add(server)
    factories.maintenance(server, start=NOW - HOUR, duration=2 * 3600)
    factories.maintenance(later, start=NOW + HOUR, duration=3600)

    with CaptureQueriesContext(connection) as queries:
        assert store.assets_in_maintenance(NOW) == {server.pk, site.pk}

    windows = [q["sql"] for q in queries.captured_queries if "maintenance" in q["sql"]]
    assert len(windows) == 1  # no prefetch: one query
    with connection.cursor() as cursor:  # the rows that query fetched: the open window's, none of the 60 ended
        cursor.execute(windows[0])
        assert len(cursor.fetchall()) == 1


def test_a_window_is_open_from_its_start_until_its_end_exclusive():
    asset = factories.asset()
    factories.maintenance(asset, start=NOW, duration=600)
    assert store.assets_in_maintenance(NOW - dt.timedelta(seconds=1)) == set()
    assert store.assets_in_maintenance(NOW) == {asset.pk}
    assert store.assets_in_maintenance(NOW + dt.timedelta(seconds=599)) == {asset.pk}
    assert store.assets_in_maintenance(NOW + dt.timedelta(seconds=600)) == set()


def test_a_window_moved_or_lengthened_is_looked_up_at_its_new_times():
    asset = factories.asset()
    spec = dict(id="night", title={"en": "Upgrade"}, assets=[asset.key], start=(NOW - 2 * HOUR).isoformat(),
                duration="1h")
    maintenance_save(spec=MaintenanceSpec(**spec))
    assert store.assets_in_maintenance(NOW) == set()
    maintenance_save(spec=MaintenanceSpec(**{**spec, "duration": "3h"}))
    assert store.assets_in_maintenance(NOW) == {asset.pk}
    maintenance_save(spec=MaintenanceSpec(**{**spec, "start": (NOW + HOUR).isoformat()}))
    assert store.assets_in_maintenance(NOW) == set()
