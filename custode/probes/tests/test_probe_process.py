"""`custode probe` as a real process against a real `custode web`, checking a loopback target: its results are
stored as a local engine's, with no database where it runs; HTTPS with a private CA (--ca-file); nothing lost
across a restart of the server; a wrong token, address or location stops it at start with the reason."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from django.utils import timezone

from custode.engine.tests.harness import Target, wait_for
from custode.monitors.models import Monitor
from custode.notify.models import Message
from custode.probes.watch import SILENT_AFTER, probes_watch
from custode.results.models import CheckResult, StateChange
from custode.server.tests.processes import Child, custode_env, running, shared_database_url
from custode.testing import factories
from custode.testing.asgi_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tmp_path):
    target = Target([200])
    factories.provider()
    factories.staff("tom", language="en")
    monitor = factories.monitor("site-http", type="http", interval=1, retries=0, timeout=2.0,
                                spec={"url": target.url}, locations=["milan"])
    token = factories.probe("milan")[1]
    port = free_port()
    env = {**custode_env(tmp_path, port, database_url=shared_database_url()), "CUSTODE_RESULTS_SAMPLE": "0"}
    no_database = {**env, "CUSTODE_DATABASE_URL": f"sqlite://{tmp_path}/no-such-dir/custode.sqlite3"}
    yield {"target": target, "monitor": monitor, "token": token, "port": port, "env": env,
           "probe_env": no_database, "url": f"http://127.0.0.1:{port}"}
    target.close()


@contextlib.contextmanager
def web(world) -> Iterator[Child]:
    with running("web", env=world["env"]) as child:
        child.wait_for(r"Uvicorn running on", timeout=60)
        yield child


def probe(world, *options: str, url: str | None = None) -> contextlib.AbstractContextManager[Child]:
    return running("probe", "--server", url or world["url"], "--token", world["token"], "--location", "milan",
                   *options, env=world["probe_env"])


def stored() -> int:
    return CheckResult.objects.count()


def test_a_probes_results_over_http_are_stored_as_a_local_engines(world):
    with web(world), probe(world) as child:
        child.wait_for(r"probe started: location milan", timeout=60)
        wait_for(lambda: stored() >= 3, timeout=30)
        assert child.stop() == 0
    monitor = Monitor.objects.get()
    assert monitor.state == "up" and monitor.last_check_at is not None
    assert set(CheckResult.objects.values_list("status", flat=True)) == {"up"}
    assert StateChange.objects.get().to_state == "up"
    assert stored() == world["target"].served  # every check the target saw, stored once

    later = monitor.last_check_at + SILENT_AFTER + timezone.timedelta(seconds=10)
    assert probes_watch(now=later) == 1 and probes_watch(now=later) == 0  # the probe stopped: one alert
    assert Message.objects.get().subject.startswith("Probe milan silent since ")


def test_nothing_is_lost_while_the_server_restarts(world):
    with probe_running(world) as child:
        with web(world):
            wait_for(lambda: stored() >= 2, timeout=60)
        before = world["target"].served
        child.wait_for(r"the server is away", timeout=20)
        wait_for(lambda: world["target"].served >= before + 4, timeout=20)  # checked meanwhile, kept
        assert stored() < world["target"].served
        with web(world):
            child.wait_for(r"the server answers again; sending \d+ results kept meanwhile", timeout=60)
            wait_for(lambda: stored() >= before + 4, timeout=30)
            assert child.stop() == 0
    assert stored() == world["target"].served


@contextlib.contextmanager
def probe_running(world) -> Iterator[Child]:
    """A probe started against a server that runs, left running after the server stops."""
    with web(world):
        child = Child("probe", "--server", world["url"], "--token", world["token"], "--location", "milan",
                      env=world["probe_env"])
        child.wait_for(r"probe started", timeout=60)
    try:
        yield child
    finally:
        child.kill_group()


def test_https_with_a_private_ca_given_by_ca_file(world, tmp_path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with web(world), tls_front(world["port"], ca) as url:
        with probe(world, url=url) as refused:
            refused.wait_for(r"cannot reach it: .*CERTIFICATE_VERIFY_FAILED", timeout=60)
            assert refused.proc.wait(30) == 1
        with probe(world, "--ca-file", str(ca_file), url=url) as child:
            wait_for(lambda: stored() >= 2, timeout=60)
            assert child.stop() == 0
    assert Monitor.objects.get().state == "up"


@pytest.mark.parametrize("change, said", [
    ({"token": "cpr_wrong"}, r"--token: the server refused it \(unknown or revoked\)"),
    ({"location": "rome"}, r"--location 'rome': the token is that of probe 'milan'"),
    ({"location": "local"}, r"--location 'local': 'local' is the server's own engines' location"),
    ({"url": "ftp://example"}, r"--server 'ftp://example': give the server's address"),
    ({"path": "/status"}, r"no probe API there \(404\)"),
    ({"ca_file": "/nonexistent.pem"}, r"--ca-file '/nonexistent.pem': cannot be read as PEM certificates"),
])
def test_a_wrong_start_is_one_clear_line_and_exit_1(world, change, said):
    url = change.get("url", world["url"] + change.get("path", ""))
    args = ["probe", "--server", url, "--token", change.get("token", world["token"]),
            "--location", change.get("location", "milan")]
    if "ca_file" in change:
        args += ["--ca-file", change["ca_file"]]
    with web(world), running(*args, env=world["probe_env"]) as child:
        child.wait_for(said, timeout=60)
        assert child.proc.wait(30) == 1
    assert not stored()


@contextlib.contextmanager
def tls_front(backend: int, ca: trustme.CA) -> Iterator[str]:
    """HTTPS on a port of its own, forwarded to BACKEND's plain HTTP: a reverse proxy with a private CA's
    certificate for 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = free_port()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        to_reader, to_writer = await asyncio.open_connection("127.0.0.1", backend)
        await asyncio.gather(pipe(reader, to_writer), pipe(to_reader, writer))

    listening = asyncio.start_server(serve, "127.0.0.1", port, ssl=context)
    server = asyncio.run_coroutine_threadsafe(listening, loop).result()
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()
        asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
