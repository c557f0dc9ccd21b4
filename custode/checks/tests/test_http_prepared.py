"""An HTTP spec prepared once (its URL parsed when the monitor is loaded) checks exactly what the spec would."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httptools

from custode.checks import http, httpclient
from custode.checks.result import Status
from custode.checks.tests.servers_http import *  # noqa: F403 (fixtures)
from custode.checks.tests.servers_http import run
from custode.monitors.specs import HttpSpec


def spec(url: str, **fields: Any) -> HttpSpec:
    return HttpSpec.model_validate({"id": "site", "type": "http", "url": url, **fields})


def test_prepared_specs_on_one_server_each_check_their_own_url(http_server: str) -> None:
    ok, broken = http.prepare(spec(f"{http_server}/ok")), http.prepare(spec(f"{http_server}/status/503"))
    assert isinstance(ok, http.Prepared) and isinstance(broken, http.Prepared)

    async def both():
        return await asyncio.gather(http.check(ok), http.check(broken), http.check(ok))

    first, second, again = run(both())
    assert (first.status, first.details["url"]) == (Status.UP, f"{http_server}/ok")
    assert (second.status, second.reason) == (Status.DOWN, "status 503, expected 200-399")
    assert second.details["url"] == f"{http_server}/status/503"
    assert again.status == Status.UP


def test_a_prepared_spec_follows_redirects_like_the_spec(http_server: str) -> None:
    prepared = http.prepare(spec(f"{http_server}/redirect"))
    result = run(http.check(prepared))
    assert result.status == Status.UP, result.reason
    assert result.details["redirects"] == 1


def test_a_url_that_cannot_be_asked_is_down_with_the_reason_at_every_check() -> None:
    bad_port = spec("http://127.0.0.1:99999/")
    prepared = http.prepare(bad_port)
    assert prepared is bad_port
    result = run(http.check(prepared))
    assert (result.status, result.reason) == (Status.DOWN, "invalid request: bad port in 'http://127.0.0.1:99999/'")


def test_a_check_leaves_nothing_of_its_exchange_for_the_garbage_collector(http_server: str) -> None:
    """Thousands of checks' cycles swept at once stalled the engine's loop; each check is freed when it ends."""
    prepared = http.prepare(spec(f"{http_server}/ok"))

    async def left_by_checks() -> list[object]:
        await http.check(prepared)
        await asyncio.sleep(0.05)
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds stays in gc.garbage, to be looked at
        try:
            for _ in range(20):
                assert (await http.check(prepared)).status == Status.UP
            await asyncio.sleep(0.05)  # the transports' last callbacks
            gc.collect()
            return [o for o in gc.garbage if isinstance(o, (httpclient._Exchange, httptools.HttpResponseParser))]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()

    assert run(left_by_checks()) == []
