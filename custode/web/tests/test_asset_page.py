"""The staff page of an asset: its facts and monitors, and what its agent reported, stored the way an agent
stores it (POST /agent/<asset>/report), with a day of sparklines; without an agent, how to enrol one."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custode.agents.tests.conftest import GiB, enrolled, post, report
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def nas(world):
    nas = world.nas_ping.asset
    nas.vendor, nas.model, nas.serial, nas.warranty_until = "Synology", "DS920+", "2080PDN123", dt.date(2027, 5, 31)
    nas.save()
    return nas


def page(client, key: str) -> str:
    response = client.get(reverse("asset", args=[key]))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def send(asset, credential, minutes_ago: float, now: dt.datetime, **fields):
    at = now - dt.timedelta(minutes=minutes_ago)
    response = post(f"/agent/{asset.key}/report", report(at, sent_at=now.isoformat(), **fields), credential)
    assert response.status_code == 200, response.content


def sparkline_of(html: str, label: str) -> str:
    return re.search(rf'<svg class="sparkline"[^>]*aria-label="{re.escape(label)}">.*?</svg>', html).group(0)


def test_the_page_shows_the_assets_facts_and_its_monitors_with_state(staff_client, nas):
    html = page(staff_client, "bianchi-nas")
    for text in ("NAS ufficio", "Studio Bianchi", "Synology", "DS920+", "2080PDN123", "31 May 2027",
                 "bianchi-nas-ping", 'class="badge state-down">Down<', "no echo reply from 192.0.2.7"):
        assert text in html
    assert "outsider" not in html.lower() and "bianchi-http" not in html


def test_the_page_shows_the_numbers_of_the_agents_last_report(staff_client, nas):
    credential = enrolled("bianchi-nas")
    now = timezone.now()
    send(nas, credential, 0, now, load=[1.25, 0.75, 0.5], cpu_percent=37.5,
         memory={"total": 16 * GiB, "available": 4 * GiB, "percent": 75.0},
         swap={"total": 2 * GiB, "used": GiB, "percent": 50.0},
         disks=[{"mount": "/", "device": "/dev/md0", "fstype": "ext4", "size": 100 * GiB, "used": 40 * GiB,
                 "percent": 40.0, "inodes": 6_000_000, "inodes_used": 300_000},
                {"mount": "/volume1", "device": "/dev/md2", "fstype": "btrfs", "size": 4000 * GiB,
                 "used": 3800 * GiB, "percent": 95.0}],
         uptime_s=3 * 86400 + 4 * 3600, services={"smbd": True, "nginx": False},
         updates={"pending": 11, "security": 3, "manager": "apt", "last_upgrade": "2026-11-30T08:15:00+00:00"},
         inventory={"os": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0-18-amd64", "arch": "x86_64",
                    "cpu_model": "Intel(R) Celeron(R) J4125", "cores": 4, "memory": 16 * GiB,
                    "vendor": "Synology Inc.", "serial": "SN-4242", "packages": 1234})
    html = page(staff_client, "bianchi-nas")
    for text in ("bianchi-nas.lan", "1.25 · 0.75 · 0.50", "0.63 per core on 2", "37.5%", "75.0% used of 16.0\xa0GB",
                 "50.0% (1.0\xa0GB of 2.0\xa0GB)", "3 days 4 hours", "/dev/md0", "100.0\xa0GB", "5.0%",
                 "/volume1", "3.9\xa0TB", "95.0%", "smbd", "not running", ">11<", ">3<", "30 Nov 2026, 08:15 UTC",
                 "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "Intel(R) Celeron(R) J4125", "4 cores",
                 "Synology Inc.", "SN-4242", ">1234<", "bianchi-nas-agent"):
        assert text in html, text
    assert '<tr class="disk over">\n        <td class="key">/volume1</td>' in html, "over the NAS's 90% threshold"
    received = timezone.localtime(nas.agent.received_at, dt.timezone.utc).strftime("%-d %b %Y, %H:%M UTC")
    assert f"Last report</dt><dd><time datetime=\"{nas.agent.received_at.isoformat()}\">{received}" in html
    assert "Over now:" in html and "<code>disk:/volume1</code>" in html


def test_the_problems_the_agent_is_judged_by_are_shown(staff_client, nas):
    factories.provider(timezone="UTC")
    credential = enrolled("bianchi-nas")
    now = timezone.now()
    for minutes_ago in (12, 0):
        send(nas, credential, minutes_ago, now, memory={"total": 8 * GiB, "available": GiB // 10, "percent": 98.8})
    html = page(staff_client, "bianchi-nas")
    assert '<div class="error" role="status"><p>Problems:</p>' in html
    assert "memory 98.8% used, over 95% for 12m" in html


def test_the_sparklines_have_a_point_per_sample_and_a_gap_where_none_was_taken(staff_client, nas):
    credential = enrolled("bianchi-nas")
    now = timezone.now()
    for minutes_ago, load in ((240, 0.5), (239, 0.6), (238, 0.7), (2, 1.5), (1, 1.0), (0, 2.0)):
        send(nas, credential, minutes_ago, now, load=[load, 0.1, 0.1])
    send(nas, credential, 25 * 60, now)  # older than the day: not drawn
    html = page(staff_client, "bianchi-nas")
    load = sparkline_of(html, "Load, last 24 hours")
    runs = re.findall(r'<polyline points="([^"]+)"/>', load)
    assert [len(run.split()) for run in runs] == [3, 3], "three samples, four silent hours, three samples"
    xs = [float(point.split(",")[0]) for run in runs for point in run.split()]
    assert 239 < xs[0] < 241 and 287 < xs[-1] <= 288, "four hours ago is 5/6 of the way; now is the right edge"
    assert '<line class="limit"' in load
    assert "now 2.00 · peak 2.00 · threshold 8" in html
    memory = sparkline_of(html, "Memory %, last 24 hours")
    assert len(re.findall("<polyline", memory)) == 2
    assert "<polyline" in sparkline_of(html, "Fullest disk %, last 24 hours")


def test_the_page_reads_as_many_queries_for_a_full_day_as_for_one_sample(staff_client, nas):
    credential = enrolled("bianchi-nas")
    now = timezone.now()
    send(nas, credential, 0, now)
    with CaptureQueriesContext(connection) as one:
        page(staff_client, "bianchi-nas")
    for minutes_ago in range(1, 60):
        send(nas, credential, minutes_ago, now)
    with CaptureQueriesContext(connection) as many:
        html = page(staff_client, "bianchi-nas")
    assert len(many) == len(one) <= 10
    assert len(sparkline_of(html, "Load, last 24 hours").split("<polyline points=")[1].split()) == 60


def test_an_asset_without_an_agent_shows_how_to_enrol_one(staff_client, nas):
    html = page(staff_client, "bianchi-nas")
    assert "This asset has no agent." in html
    assert "<code>custode agent-token create --asset bianchi-nas</code>" in html
    assert "custode-agent enroll --server http://testserver --token cet_..." in html
    assert 'class="sparkline"' not in html


def test_an_agent_enrolled_but_silent_says_so(staff_client, nas):
    enrolled("bianchi-nas")
    html = page(staff_client, "bianchi-nas")
    assert "The agent is enrolled and has not reported yet." in html and "agent-token create" not in html


def test_the_customer_page_and_the_dashboard_link_to_the_asset_pages(staff_client, world):
    customer = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert '<a href="/assets/bianchi-nas/">NAS ufficio</a>' in customer
    dashboard = staff_client.get(reverse("dashboard")).content.decode()
    assert '<a href="/assets/core-router/">Core router</a>' in dashboard, "infrastructure too"
    router = page(staff_client, "core-router")
    assert "Infrastructure" in router and "router-ping" in router


def test_an_unknown_asset_is_404(staff_client, world):
    assert staff_client.get("/assets/nope/").status_code == 404


def test_anonymous_users_are_sent_to_log_in_and_others_are_refused(client, world):
    response = client.get("/assets/bianchi-nas/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/assets/bianchi-nas/"
    from django.contrib.auth import get_user_model
    client.force_login(get_user_model().objects.create_user("customer-user", password="x" * 12))
    assert client.get("/assets/bianchi-nas/").status_code == 403


def test_a_technician_reads_the_page_in_their_language(client, nas):
    client.force_login(factories.staff("tecnico", language="es"))
    enrolled("bianchi-nas")
    html = page(client, "bianchi-nas")
    assert "Agente" in html and "Monitores" in html


def test_a_monitor_checked_from_several_locations_shows_a_row_for_each(staff_client, world):
    from custode.results.models import LocationState

    monitor = world.nas_ping
    monitor.locations, monitor.quorum, monitor.state = ["milan", "madrid", "paris"], 2, "up"
    monitor.save()
    now = timezone.now()
    LocationState.objects.create(monitor=monitor, location="madrid", state="down", reason="no reply to ping from nas",
                                 since=now, last_check_at=now)
    LocationState.objects.create(monitor=monitor, location="milan", state="up", since=now,
                                 last_check_at=now - dt.timedelta(hours=1))

    html = page(staff_client, monitor.asset.key)

    rows = re.findall(r'<tr class="monitor-location">(.*?)</tr>', html, re.S)
    assert ["from milan" in rows[0], "from madrid" in rows[1], "from paris" in rows[2]] == [True] * 3
    assert "no recent check: not counted" in rows[0]  # an hour without a check, every 60 s
    assert "no reply to ping from nas" in rows[1] and "Down" in rows[1]
    assert "not yet checked" in rows[2]


def test_a_warranty_is_marked_expired_from_the_day_after_its_date_in_the_providers_time_zone(staff_client):
    _, today = factories.provider_a_day_off_utc()
    lapsed = factories.asset("lapsed-nas", kind="nas", warranty_until=today - dt.timedelta(days=1))
    current = factories.asset("current-nas", kind="nas", warranty_until=today)
    assert 'class="badge state-down">expired' in page(staff_client, lapsed.key)
    assert "expired" not in page(staff_client, current.key)
