"""Each monitor's check input is prepared once when it is loaded: an edit replaces it, and no monitor gets another's."""

from __future__ import annotations


import pytest

from custode.engine.stats import Stats
from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_edited_monitors_new_url_is_checked_at_its_next_check(target):
    before, after = target([200]), target([503])
    monitor = factories.monitor("site", type="http", interval=60, retries=0, spec={"url": before.url})
    with running_engine():
        wait_for(lambda: Monitor.objects.get(pk=monitor.pk).state == "up", timeout=15)
        monitor.spec = {"url": after.url}
        monitor.save(update_fields=["spec", "updated_at"])  # as an edit does: the state stays the engine's
        wait_for(lambda: Monitor.objects.get(pk=monitor.pk).state == "down", timeout=15)
    assert before.served == 1, "the old URL is not checked again after the edit"
    assert after.served >= 1
    assert Monitor.objects.get(pk=monitor.pk).last_reason == "status 503, expected 200-399"


def test_monitors_on_different_urls_each_check_their_own(target):
    sites = [target([200]), target([503]), target([200])]
    # Each its own interval: each is the first of its period's new monitors, so all are checked at once.
    monitors = [factories.monitor(f"site{n}", type="http", interval=60 + n, retries=0, spec={"url": site.url})
                for n, site in enumerate(sites)]
    with running_engine():
        wait_for(lambda: all(Monitor.objects.get(pk=m.pk).state != "unknown" for m in monitors), timeout=15)
    assert [Monitor.objects.get(pk=m.pk).state for m in monitors] == ["up", "down", "up"]
    assert [site.served for site in sites] == [1, 1, 1]


def test_a_stats_line_reports_the_lag_of_the_checks_started_since_the_previous_line():
    lines: list[str] = []
    stats = Stats(lines.append)
    for _ in range(100):
        stats.started(8.0)  # catching up after loading
    assert stats.emit()["lag_p99_ms"] == 8000.0
    for _ in range(100):
        stats.started(0.01)
    line = stats.emit()
    assert (line["lag_p50_ms"], line["lag_p99_ms"]) == (10.0, 10.0)
    assert stats.emit()["lag_p99_ms"] == 0.0  # nothing started since
