"""Running the engine as a process: uvloop, file-descriptor limit, signals, start-up checks."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import resource
import signal
import sys

from custode.checks import source
from custode.engine.engine import Engine
from custode.lib import durations
from custode.lib.env import SettingError
from custode.lib.types import LOCATION, LOCATION_RULE

log = logging.getLogger("custode.engine")


def raise_fd_limit() -> int:
    """Every check in flight holds a socket: allow as many as the system lets this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def warn_about_ping() -> None:
    from custode.monitors.models import Monitor

    if not Monitor.objects.filter(type="ping", paused=False).exists():
        return
    try:
        from custode.checks.ping import ping_available
    except ImportError:
        return
    problem = ping_available()
    if problem:
        log.error("ping monitors cannot run: %s; they will show DOWN with this reason", problem)


def settings_from_env() -> dict:
    """CUSTODE_RESULTS_RETENTION (a duration, 14d), CUSTODE_RESULTS_SAMPLE (a duration, 10m; 0: every result
    kept) and CUSTODE_ENGINE_CONCURRENCY (checks at once, 0 = auto)."""
    retention = os.environ.get("CUSTODE_RESULTS_RETENTION", "14d")
    sample = os.environ.get("CUSTODE_RESULTS_SAMPLE", "10m").strip() or "10m"
    concurrency = os.environ.get("CUSTODE_ENGINE_CONCURRENCY", "0") or "0"
    try:
        seconds = durations.parse(retention)
    except ValueError:
        raise SettingError(f"CUSTODE_RESULTS_RETENTION={retention!r}: must be a duration like 14d or 2w") from None
    try:
        every = 0 if sample == "0" else durations.parse(sample)
    except ValueError:
        raise SettingError(f"CUSTODE_RESULTS_SAMPLE={sample!r}: must be a duration like 10m or 1h, "
                           "or 0 to keep every result") from None
    if not concurrency.isdigit():
        raise SettingError(f"CUSTODE_ENGINE_CONCURRENCY={concurrency!r}: must be a whole number (0: automatic)")
    return {"retention": seconds, "sample": every, "concurrency": int(concurrency)}


async def serve(engine: Engine) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, engine.stop)
    await engine.run()


def run(location: str = "local", source_address: str | None = None) -> None:
    """Run the engine of LOCATION until SIGTERM: sharing its monitors by leases on PostgreSQL, alone on SQLite;
    its checks connect from SOURCE_ADDRESS when given."""
    import uvloop

    from custode.engine.leases import sharing

    if not LOCATION.fullmatch(location):
        raise SettingError(f"--location {location!r}: {LOCATION_RULE}")
    if source_address is not None and (problem := source.usable(source_address)):
        raise SettingError(f"--source-address {source_address!r}: {problem}")
    leases = sharing(location)  # on SQLite, refused here if another engine runs
    fds = raise_fd_limit()
    options = settings_from_env()
    concurrency = options["concurrency"] or max(64, min(5000, fds - 200))
    warn_about_ping()

    def emit(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    # Every check allocates a few short-lived objects; collecting young objects every 700 allocations (the
    # default) costs more than the garbage it finds. The loaded monitors are frozen out of collections.
    gc.set_threshold(50_000, 50, 100)
    engine = Engine(concurrency=concurrency, retention=options["retention"], sample=options["sample"], emit=emit,
                    own_process=True, location=location, leases=leases, source_address=source_address)
    log.info("engine started: location %s, concurrency %d%s", location, concurrency,
             f", checks from {source_address}" if source_address else "")
    uvloop.run(serve(engine))
    log.info("engine stopped")
