"""Machine access: the JSON summary, the Atom feed, the SVG badges, and cached answers with 304s."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from custode.status.tests.conftest import NOW, update

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_json_summary_has_the_documented_keys(client, world):
    response = client.get("/status/stato.json?lang=en")
    assert response["Content-Type"] == "application/json"
    doc = json.loads(response.content)
    assert set(doc) == {"page", "state", "components", "incidents", "maintenance", "contact"}
    assert set(doc["page"]) == {"title", "url", "language", "timezone"}
    assert doc["state"] == "partial_outage" and doc["page"]["timezone"] == "Europe/Rome"
    assert [c["key"] for c in doc["components"]] == ["srv-1", "core-router"]
    assert set(doc["components"][0]) == {"key", "name", "group", "state", "uptime_90d", "checked_from"}
    [active] = doc["incidents"]
    assert set(active) == {"id", "title", "status", "severity", "opened_at", "resolved_at", "components", "updates"}
    assert active["components"] == ["srv-1"] and active["resolved_at"] is None
    assert active["updates"] == [{"at": (NOW - dt.timedelta(minutes=15)).isoformat().replace("+00:00", "Z"),
                                  "status": "identified", "author": "Anna",
                                  "text": "We have found the cause and are working on a fix."}]
    [window] = doc["maintenance"]
    assert set(window) == {"key", "title", "start", "end", "in_progress", "components"}
    assert window["title"] == "Planned maintenance" and window["components"] == ["core-router"]
    assert doc["contact"] == {"name": "Rete Sicura", "phone": "+39 0521 000000",
                              "email": "assistenza@retesicura.example", "url": "https://retesicura.example/contatti"}


def test_the_feed_is_atom_with_one_entry_per_incident_and_only_public_updates(client, world):
    response = client.get("/status/stato/feed.atom?lang=it")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}title").text == "Rete Sicura — stato dei servizi"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "srv-1.retesicura.example non raggiungibile · In analisi", "Router in panne · Risolto"]
    summary = entries[0].find(f"{ATOM}summary").text
    assert "Causa individuata" in summary and "Anna" in summary and "RAID" not in summary
    assert entries[0].find(f"{ATOM}id").text.endswith(f"/status/stato/#incident-{world.shared.pk}")


def test_a_badge_names_the_component_and_its_state(client, world):
    response = client.get("/status/stato/badge/srv-1.svg?lang=it")
    assert response["Content-Type"] == "image/svg+xml"
    svg = ET.fromstring(response.content)
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["srv-1.retesicura.example", "Non disponibile"]
    up = ET.fromstring(client.get("/status/stato/badge/core-router.svg?lang=en").content)
    assert [t.text for t in up.iter("{http://www.w3.org/2000/svg}text")][1] == "Operational"


@pytest.mark.parametrize("url", ["/status/stato/", "/status/stato.json", "/status/stato/feed.atom",
                                 "/status/stato/badge/srv-1.svg"])
def test_a_repeat_visitor_gets_304(client, world, url):
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_private_answers_are_not_kept_by_shared_caches(client, world):
    assert client.get(f"/status/c/{world.bianchi.status_token}/")["Cache-Control"].startswith("private")
    assert client.get("/status/stato/")["Cache-Control"].startswith("public")


def test_a_cached_page_is_served_without_rendering_again(client, world, django_assert_max_num_queries):
    client.get("/status/stato/")
    with django_assert_max_num_queries(3):  # the provider, the fingerprint, and the session's user if any
        assert client.get("/status/stato/").status_code == 200


def test_a_new_public_update_changes_the_page_and_its_etag(client, world):
    first = client.get("/status/stato/?lang=en")
    update(world.shared, at=NOW, author=world.anna, status="monitoring", message="Server riavviato, controlliamo")
    again = client.get("/status/stato/?lang=en", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Server riavviato" in again.content.decode()
    assert again["ETag"] != first["ETag"]


def test_a_state_change_and_a_new_maintenance_window_invalidate_the_page(client, world):
    from custode.testing import factories

    assert "Outage" in client.get("/status/stato/badge/srv-1.svg?lang=en").content.decode()
    factories.state_change(world.monitors.server, "up", at=NOW)
    # up again, but its incident is still open: never operational until it is resolved
    assert "Degraded" in client.get("/status/stato/badge/srv-1.svg?lang=en").content.decode()
    factories.maintenance(world.server, start=NOW + dt.timedelta(hours=2), key="disk-swap",
                          title={"en": "Disk swap on srv-1"})
    assert "Disk swap on srv-1" in client.get("/status/stato/?lang=en").content.decode()


def test_a_storm_of_misses_renders_the_page_once():
    import threading
    import time

    from custode.status import caching

    calls = []

    def render():
        calls.append(1)
        time.sleep(0.2)
        return b"<p>ok</p>", "text/html", "en"

    results = []
    threads = [threading.Thread(target=lambda: results.append(caching._render_once("status:storm", render)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 8 and {r.body for r in results} == {b"<p>ok</p>"}


def test_a_browser_that_accepts_gzip_gets_the_same_bytes_compressed_once(client, world):
    import gzip

    plain = client.get("/status/stato/?lang=en")
    packed = client.get("/status/stato/?lang=en", HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content and packed["ETag"] != plain["ETag"]
    assert client.get("/status/stato/?lang=en", HTTP_ACCEPT_ENCODING="gzip",
                      HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304
    refused = client.get("/status/stato/?lang=en", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused and refused.content == plain.content
