"""Heartbeat pings over real HTTP into the real ASGI app, stored in the real database."""

from __future__ import annotations

import uuid

import httpx
import pytest

from custode.asgi import application
from custode.monitors.models import Monitor
from custode.results.models import Ping
from custode.results.pings import parse_path
from custode.results.pingstore import latest
from custode.testing import factories
from custode.testing.asgi_server import serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base_url():
    with serving(application) as url:
        yield url
    application.recorder.close()


def push_monitor(**fields) -> Monitor:
    return factories.monitor(type="push", spec={"grace": "1m"}, **fields)


def test_ping_is_stored_and_marks_the_monitor(base_url):
    monitor = push_monitor()
    response = httpx.get(f"{base_url}/ping/{monitor.push_token}")
    assert (response.status_code, response.text) == (200, "OK\n")
    monitor.refresh_from_db()
    assert monitor.last_ping_kind == "success" and monitor.last_ping_at is not None
    assert Ping.objects.get().kind == "success"


def test_post_body_start_and_fail_suffixes_are_kept(base_url):
    monitor = push_monitor()
    httpx.post(f"{base_url}/ping/{monitor.push_token}/start", content=b"backup starting")
    httpx.post(f"{base_url}/ping/{monitor.push_token}/fail", json={"error": "disk full"})
    pings = list(Ping.objects.order_by("id").values_list("kind", "body"))
    assert pings == [("start", "backup starting"), ("fail", '{"error":"disk full"}')]
    monitor.refresh_from_db()
    assert monitor.last_ping_kind == "fail"


def test_exit_code_suffix_reports_success_or_failure(base_url):
    monitor = push_monitor()
    httpx.get(f"{base_url}/ping/{monitor.push_token}/0")
    httpx.get(f"{base_url}/ping/{monitor.push_token}/2")
    assert list(Ping.objects.order_by("id").values_list("kind", "exit_code")) == [("success", 0), ("fail", 2)]
    monitor.refresh_from_db()
    assert monitor.last_ping_kind == "fail:2"


def test_log_keeps_the_body_and_moves_no_state(base_url):
    monitor = push_monitor()
    httpx.post(f"{base_url}/ping/{monitor.push_token}", content=b"backup done: 12 GB")
    monitor.refresh_from_db()
    at, kind = monitor.last_ping_at, monitor.last_ping_kind
    response = httpx.post(f"{base_url}/ping/{monitor.push_token}/log", content=b"disk 91% full")
    assert (response.status_code, response.text) == (200, "OK\n")
    monitor.refresh_from_db()
    assert (monitor.last_ping_at, monitor.last_ping_kind) == (at, kind)
    assert monitor.last_ping_body == "disk 91% full"
    assert list(Ping.objects.order_by("id").values_list("kind", "body")) == [
        ("success", "backup done: 12 GB"), ("log", "disk 91% full")]


def test_the_last_success_fail_or_log_body_is_kept_on_the_monitor_and_a_start_keeps_it(base_url):
    monitor = push_monitor()
    httpx.post(f"{base_url}/ping/{monitor.push_token}/fail", content="rsync: connection reset\nexit 12")
    monitor.refresh_from_db()
    assert monitor.last_ping_body == "rsync: connection reset\nexit 12"
    httpx.post(f"{base_url}/ping/{monitor.push_token}/start", content=b"starting again")
    monitor.refresh_from_db()
    assert (monitor.last_ping_kind, monitor.last_ping_body) == ("start", "rsync: connection reset\nexit 12")
    httpx.post(f"{base_url}/ping/{monitor.push_token}/0", content=b"ok")
    monitor.refresh_from_db()
    assert (monitor.last_ping_kind, monitor.last_ping_body) == ("success", "ok")


def test_a_log_to_an_unknown_token_is_404(base_url):
    response = httpx.post(f"{base_url}/ping/6f1c2a3e-0000-4000-8000-000000000000/log", content=b"x")
    assert (response.status_code, response.text) == (404, "no monitor has this ping URL\n")
    assert not Ping.objects.exists()


def test_unknown_token_is_404_and_stores_nothing(base_url):
    response = httpx.get(f"{base_url}/ping/6f1c2a3e-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert not Ping.objects.exists()


def test_token_of_a_monitor_that_is_not_push_is_404(base_url):
    monitor = factories.monitor(type="http")
    assert httpx.get(f"{base_url}/ping/{monitor.push_token}").status_code == 404


@pytest.mark.parametrize("path", ["/ping/not-a-uuid", "/ping/6f1c2a3e-0000-4000-8000-000000000000/explode",
                                  "/ping/6f1c2a3e-0000-4000-8000-000000000000/nonsense",
                                  "/ping/6f1c2a3e-0000-4000-8000-000000000000/256",
                                  "/ping/6f1c2a3e-0000-4000-8000-000000000000/a/b"])
def test_malformed_ping_url_is_404_with_the_right_form(base_url, path):
    response = httpx.get(base_url + path)
    assert response.status_code == 404
    assert "/ping/<uuid>" in response.text
    assert "/log" in response.text and "/<exit code> (0-255)" in response.text


def test_other_methods_are_405(base_url):
    monitor = push_monitor()
    assert httpx.delete(f"{base_url}/ping/{monitor.push_token}").status_code == 405


def test_large_body_is_cut_not_refused(base_url):
    monitor = push_monitor()
    assert httpx.post(f"{base_url}/ping/{monitor.push_token}", content=b"x" * 50_000).status_code == 200
    assert len(Ping.objects.get().body) == 10_000
    monitor.refresh_from_db()
    assert len(monitor.last_ping_body) == 10_000


def test_a_body_with_nul_bytes_is_kept_with_them_shown_and_spoils_no_other_ping(base_url):
    """PostgreSQL text cannot hold NUL: stored raw, it would fail the whole batch of pings with it."""
    monitor, other = push_monitor(), push_monitor()
    binary = httpx.post(f"{base_url}/ping/{monitor.push_token}/fail", content=b"tar: \x00\x00 truncated")
    assert binary.status_code == 200 and httpx.get(f"{base_url}/ping/{other.push_token}").status_code == 200
    assert Ping.objects.get(monitor=monitor).body == "tar: \ufffd\ufffd truncated"
    monitor.refresh_from_db()
    assert monitor.last_ping_body == "tar: \ufffd\ufffd truncated"


def test_a_body_with_quotes_backslashes_and_any_script_is_stored_as_sent(base_url):
    monitor = push_monitor()
    output = 'C:\\backup\\"nightly" → 12 GB, 完了, ошибок нет\n\t%s %(x)s ?'
    assert httpx.post(f"{base_url}/ping/{monitor.push_token}", content=output.encode()).status_code == 200
    assert Ping.objects.get().body == output
    monitor.refresh_from_db()
    assert monitor.last_ping_body == output


def test_paths_outside_ping_reach_django(base_url):
    assert httpx.get(f"{base_url}/api/v1/openapi.json").status_code == 200


def test_parse_path_reads_the_suffixes():
    token = "6f1c2a3e-0000-4000-8000-000000000000"
    assert parse_path(f"/ping/{token}")[1] == "success"
    assert parse_path(f"/ping/{token}/start/")[1] == "start"
    assert parse_path(f"/ping/{token}/1")[1] == "fail"
    assert parse_path(f"/ping/{token}/log")[1:] == ("log", None)
    assert parse_path(f"/ping/{token}/255")[1:] == ("fail", 255)
    assert parse_path(f"/ping/{token}/0")[1:] == ("success", 0)
    assert parse_path(f"/ping/{token}/256") is None


def test_a_batch_keeps_each_monitors_last_state_kind_and_last_output_apart():
    one, two, three = (uuid.UUID(int=n) for n in (1, 2, 3))
    pings = [(one, "success", None, "", "done"), (one, "log", None, "", "later note"),
             (two, "fail", 3, "", "boom"), (two, "start", None, "", "again"), (three, "log", None, "", "hi")]
    assert latest(pings) == {one: ("success", "later note"), two: ("start", "boom"), three: (None, "hi")}


def test_a_forwarded_address_longer_than_an_ip_is_cut_and_stored(base_url):
    """On PostgreSQL a value longer than the column would fail the whole batch of pings with it."""
    monitor, other = push_monitor(), push_monitor()
    forwarded = httpx.get(f"{base_url}/ping/{monitor.push_token}", headers={"X-Forwarded-For": "a" * 100})
    assert forwarded.status_code == 200 and httpx.get(f"{base_url}/ping/{other.push_token}").status_code == 200
    assert Ping.objects.get(monitor=monitor).remote == "a" * 64
