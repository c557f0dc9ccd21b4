"""The storm path over real HTTP: repeat requests for the public page are answered before Django,
with the same bytes and headers, and a change reaches them within about a second."""

from __future__ import annotations

import time

import httpx
import pytest

from custode.status.tests.conftest import NOW, update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(monkeypatch):
    """Custode's Django app behind the status fast path, on loopback; counts what reaches Django."""
    from django.core.asgi import get_asgi_application
    from django.db import connections

    from custode.status.asgi import StatusApp
    from custode.testing.asgi_server import serving

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    django_app = get_asgi_application()
    reached = []

    async def counting(scope, receive, send):
        reached.append(scope["path"])
        await django_app(scope, receive, send)

    app = StatusApp(counting)
    with serving(app) as url:
        yield url, reached
    app.close()
    app.db.shutdown(wait=True)


def test_repeat_requests_get_the_same_answer_without_reaching_django(world, served):
    url, reached = served
    first = httpx.get(f"{url}/status/stato/", headers={"Accept-Language": "it"})
    assert first.status_code == 200 and reached == ["/status/stato/"]
    again = httpx.get(f"{url}/status/stato/", headers={"Accept-Language": "it"})
    assert len(reached) == 1 and again.content == first.content
    for name in ("etag", "last-modified", "content-language", "content-type", "cache-control", "x-frame-options"):
        assert again.headers[name] == first.headers[name], name
    assert httpx.get(f"{url}/status/stato/", headers={"If-None-Match": first.headers["etag"],
                                                      "Accept-Language": "it"}).status_code == 304
    head = httpx.head(f"{url}/status/stato/", headers={"Accept-Language": "it"})
    assert head.status_code == 200 and head.content == b"" and len(reached) == 1


def test_the_fast_path_keeps_languages_encodings_and_errors_apart(world, served):
    url, reached = served
    italian = httpx.get(f"{url}/status/stato/", headers={"Accept-Language": "it"}).text
    spanish = httpx.get(f"{url}/status/stato/", headers={"Accept-Language": "es"}).text
    assert "Disservizio parziale" in italian and "Interrupción parcial" in spanish and len(reached) == 2
    packed = httpx.get(f"{url}/status/stato/", headers={"Accept-Language": "es", "Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.text == spanish  # httpx decompresses
    assert httpx.get(f"{url}/status/stato/?lang=de").status_code == 400
    private = f"{url}/status/c/{world.bianchi.status_token}/"
    httpx.get(private), httpx.get(private)
    assert reached.count(f"/status/c/{world.bianchi.status_token}/") == 2  # private pages always ask Django


def test_a_new_update_reaches_the_fast_path_within_a_second(world, served):
    url, _ = served
    assert "Server riavviato" not in httpx.get(f"{url}/status/stato/?lang=en").text
    update(world.shared, at=NOW, author=world.anna, status="monitoring", message="Server riavviato")
    deadline = time.monotonic() + 3
    while "Server riavviato" not in httpx.get(f"{url}/status/stato/?lang=en").text:
        assert time.monotonic() < deadline, "the change did not reach the page"
        time.sleep(0.1)
