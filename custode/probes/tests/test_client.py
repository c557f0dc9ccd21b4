"""The probe's store: results kept while the server is away, bounded, the oldest dropped and counted; each try
waiting longer, 1 s doubling to 30 s; a batch keeps its id across tries; the engine's every store call answered."""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re

import pytest

from custode.engine.engine import Engine
from custode.engine.store import Batch, Observation, Transition
from custode.probes import client
from custode.probes.client import Away, HttpStore, Refused

AT = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
FIRST = {"location": "milan", "version": "1", "monitors": [], "upstream": {}, "maintenance": [7]}


class Server:
    """A server that answers as told: its answers are real to the store; only the network is left out."""

    def __init__(self, away: bool = True):
        self.away = away
        self.posted: list[dict] = []
        self.refusal: Refused | None = None

    def monitors(self, since):
        if self.away:
            raise Away("ConnectError: connection refused")
        return {**FIRST, "monitors": None, "upstream": None}

    def post(self, body):
        if self.away:
            raise Away("ConnectError: connection refused")
        if self.refusal is not None:
            refusal, self.refusal = self.refusal, None
            raise refusal
        self.posted.append(body)
        return {"id": body["id"], "stored": True, "refused": []}


def results(n: int, monitor: int = 1) -> Batch:
    return Batch([Observation(monitor, AT + dt.timedelta(seconds=i), "up", 1.0, "") for i in range(n)],
                 [Transition(monitor, AT, "unknown", "up", "")])


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])
    return now


def test_the_store_answers_every_call_the_engine_makes_of_it():
    called = set(re.findall(r"self\.store\.(\w+)", inspect.getsource(Engine)))
    assert called and all(callable(getattr(HttpStore, name, None)) for name in called), called


def test_while_away_up_to_100000_results_are_kept_the_oldest_dropped_counted_and_logged(clock, caplog):
    store = HttpStore(Server(), FIRST)
    with caplog.at_level(logging.WARNING, "custode.probe"):
        for _ in range(21):
            store.write(results(5_000))
            clock[0] += 1
    assert store.kept == 100_000 and store.dropped == 5_000
    kept = [o.at for p in store.pending for o in p.observations]
    assert len(kept) == 100_000 and kept[0] == AT  # the first batch's first results went: AT is the next batch's
    assert sum(len(p.transitions) for p in store.pending) == 21  # state changes are all kept
    assert "100000 results kept, the oldest dropped (5000 since it went away)" in caplog.text


def test_each_try_waits_longer_up_to_30_s_and_the_first_answer_sends_all_in_order(clock):
    server = Server()
    store = HttpStore(server, FIRST)
    waits = []
    for _ in range(8):
        store.write(results(10))
        waits.append(store.next_try - clock[0])
        clock[0] = store.next_try
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    server.away = False
    store.write(results(10))
    assert not store.pending and store.kept == 0
    assert sum(len(b["observations"]) for b in server.posted) == 90
    firsts = [b["observations"][0]["at"] for b in server.posted]
    assert firsts == sorted(firsts)


def test_a_batch_tried_keeps_its_id_and_takes_no_more_results(clock):
    server = Server()
    store = HttpStore(server, FIRST)
    store.write(results(3))
    tried = store.pending[0]
    clock[0] += 0.5  # still waiting: queued behind it
    store.write(results(4))
    assert len(store.pending) == 2 and len(tried.observations) == 3
    server.away = False
    clock[0] += 1
    store.write(Batch())
    assert server.posted[0]["id"] == tried.id and len(server.posted[0]["observations"]) == 3


def test_results_of_a_monitor_moved_away_are_dropped_and_the_rest_posted(clock):
    server = Server(away=False)
    store = HttpStore(server, FIRST)
    server.refusal = Refused(422, [{"loc": ["body", "observations", 1, "monitor"], "type": "elsewhere",
                                    "msg": "monitor 2 is not checked from location 'milan'"}])
    batch = results(1, monitor=1)
    batch.observations += results(1, monitor=2).observations
    store.write(batch)
    assert [o["monitor"] for o in server.posted[0]["observations"]] == [1]


def test_a_batch_refused_for_another_reason_is_dropped_with_the_reason_logged(clock, caplog):
    server = Server(away=False)
    store = HttpStore(server, FIRST)
    server.refusal = Refused(422, [{"loc": ["body", "observations", 0, "at"], "type": "value_error", "msg": "ahead"}])
    with caplog.at_level(logging.ERROR, "custode.probe"):
        store.write(results(2))
    assert not store.pending and store.kept == 0 and "the server refused a batch of 2 results" in caplog.text


def test_a_revoked_token_keeps_the_results_and_says_so(clock, caplog):
    server = Server(away=False)
    store = HttpStore(server, FIRST)
    server.refusal = Refused(401, "Unauthorized")
    with caplog.at_level(logging.WARNING, "custode.probe"):
        store.write(results(2))
    assert store.kept == 2 and "the server refused this probe's token (revoked?)" in caplog.text


def test_while_away_the_monitors_and_maintenance_last_answered_stay(clock):
    store = HttpStore(Server(), FIRST)
    assert store.fingerprint() == "1" and store.assets_in_maintenance(AT) == {7}
