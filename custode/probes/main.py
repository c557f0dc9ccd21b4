"""Running a remote probe (``custode probe``): the engine, with the server's probe API as its store.

Everything is checked before the engine starts, so a wrong address, CA file, token or location is one clear
line and exit status 1, not a probe that runs and stores nothing.
"""

from __future__ import annotations

import logging
import ssl
import sys
from urllib.parse import urlsplit

from custode.engine.engine import Engine
from custode.engine.main import raise_fd_limit, serve, settings_from_env
from custode.lib.env import SettingError
from custode.lib.types import LOCATION, LOCATION_RULE
from custode.probes.client import Away, HttpStore, Refused, Server
from custode.probes.services import LOCAL

log = logging.getLogger("custode.probe")


def connect(url: str, token: str, location: str, ca_file: str | None) -> HttpStore:
    """The store of a probe of LOCATION at the server at URL, having asked it for the monitors once."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingError(f"--server {url!r}: give the server's address, like https://custode.example.com")
    if parts.scheme == "http":
        log.warning("--server %s is plain HTTP: the token and the results travel unencrypted; use https:// unless "
                    "the network between them is your own", url)
    if not LOCATION.fullmatch(location) or location == LOCAL:
        rule = LOCATION_RULE if location != LOCAL else "'local' is the server's own engines' location"
        raise SettingError(f"--location {location!r}: {rule}")
    try:
        server = Server(url, token, ca_file=ca_file)
    except (OSError, ssl.SSLError) as e:
        raise SettingError(f"--ca-file {ca_file!r}: cannot be read as PEM certificates: {e}") from None
    try:
        first = server.monitors(None)
    except Away as e:
        raise SettingError(f"--server {url!r}: cannot reach it: {e}") from None
    except Refused as e:
        raise SettingError(_refusal(url, e)) from None
    if first.get("location") != location:
        raise SettingError(f"--location {location!r}: the token is that of probe {first.get('location')!r}")
    return HttpStore(server, first)


def _refusal(url: str, e: Refused) -> str:
    if e.status == 401:
        return ("--token: the server refused it (unknown or revoked); `custode probes add NAME` on the server "
                "prints a probe's token")
    if e.status == 404:
        return f"--server {url!r}: no probe API there (404): is it the address of a Custode server?"
    return f"--server {url!r}: the server refused the probe: {e}"


def run(*, url: str, token: str, location: str, ca_file: str | None = None) -> None:
    import uvloop

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request, every 2 s, otherwise
    store = connect(url, token, location, ca_file)
    fds = raise_fd_limit()
    options = settings_from_env()
    concurrency = options["concurrency"] or max(64, min(5000, fds - 200))

    def emit(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    engine = Engine(concurrency=concurrency, sample=options["sample"], emit=emit, own_process=True,
                    location=location, store=store)
    log.info("probe started: location %s, server %s, %d monitors", location, url, len(store.rows))
    uvloop.run(serve(engine))
    if store.kept or any(p.transitions for p in store.pending):
        log.warning("probe stopped with %d results not sent (the server is away)", store.kept)
    log.info("probe stopped")
