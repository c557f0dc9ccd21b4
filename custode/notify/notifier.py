"""The notifier process: turns state changes into incidents and delivers the outbox, until told to stop.

Each kind of work (``custode.incidents.processor.step``, ``custode.notify.delivery.step``, each doing one unit
and answering whether there was any) runs in a loop of its own thread, with its own database connection, and
naps 0.2 s when it had none. Delivery waits on other people's servers, for minutes if they are slow (an SMTP
server may think for ten minutes after DATA) and seconds per message if they are gone: in one loop with the
incident step, that wait would come before every incident and its messages. SIGTERM and SIGINT let the units
in progress finish, then the loops end: whatever was not done is still in the database for the next start.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import signal
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection

from custode.lib.env import SettingError
from custode.notify import delivery
from custode.notify.transports.email import parse_url, redacted

log = logging.getLogger("custode.notify")

NAP = 0.2
# On SQLite, one writer at a time: a unit that worked this long then pauses for GIVE_WAY, so the others waiting
# for the write lock (the engine's results, the web's pings, this process's other loops) get it. SQLite's busy
# wait polls every 100 ms, and loses every time to a loop that takes the lock back at once: during a storm the
# incident loop kept delivery from writing for minutes.
LONG_UNIT = 0.5
GIVE_WAY = 0.15
# After an error the loop itself did not expect (the database away, say), wait this long and go on.
ERROR_NAP = 2.0

Step = Callable[[], bool]


def check_settings() -> None:
    if settings.SMTP_URL and not settings.BASE_URL:
        raise SettingError("CUSTODE_BASE_URL is not set while CUSTODE_SMTP_URL is: e-mails would carry links "
                           "without an address; set it to the address people reach Custode at, like "
                           "https://custode.example.com")
    if settings.SMTP_URL:
        try:
            parse_url(settings.SMTP_URL)
        except ValueError as exc:
            raise SettingError(f"CUSTODE_SMTP_URL={redacted(settings.SMTP_URL)!r}: {exc}") from None


def steps() -> dict[str, Step]:
    """The units of work this process runs; the incident step only once its module is there."""
    found: dict[str, Step] = {}
    if importlib.util.find_spec("custode.incidents.processor"):
        found["incidents"] = importlib.import_module("custode.incidents.processor").step
    found["tickets"] = importlib.import_module("custode.tickets.processor").step
    if settings.IMAP_URL:  # the desk's mailbox: a thread of its own, since a mail server may keep it waiting
        found["mail"] = importlib.import_module("custode.tickets.poller").step
    found["backups"] = importlib.import_module("custode.backups.morning").step  # the morning round to staff
    found["expiries"] = importlib.import_module("custode.assets.expiry_alerts").step  # warranties, licences
    found["reports"] = importlib.import_module("custode.reports.monthly").step  # the monthly reports to customers
    found["probes"] = importlib.import_module("custode.probes.watch").step  # remote probes gone silent, and back
    found["delivery"] = delivery.step
    return found


class Notifier:
    def __init__(self, units: dict[str, Step]) -> None:
        self.units = units
        self.stopping = threading.Event()

    def stop(self, *args: object) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Run every unit in its own loop until stopped; returns once each has finished the unit in progress."""
        loops = [threading.Thread(target=self.loop, args=(name, unit), name=f"custode-{name}", daemon=True)
                 for name, unit in self.units.items()]
        for thread in loops:
            thread.start()
        for thread in loops:
            thread.join()

    def loop(self, name: str, unit: Step) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                started = time.monotonic()
                if not self.once(name, unit):
                    self.stopping.wait(NAP)
                elif connection.vendor == "sqlite" and time.monotonic() - started >= LONG_UNIT:
                    self.stopping.wait(GIVE_WAY)
        finally:
            connection.close()

    def once(self, name: str, unit: Step) -> bool:
        try:
            return unit()
        except Exception:
            log.exception("the %s step failed; trying again in %.0fs", name, ERROR_NAP)
            self.stopping.wait(ERROR_NAP)
            return True


def run() -> None:
    notifier = Notifier(steps())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, notifier.stop)
    missing = "" if "incidents" in notifier.units else " (custode.incidents.processor is not there: no incident step)"
    log.info("notifier started: steps %s%s; e-mail %s; mailbox %s", ", ".join(notifier.units), missing,
             f"via {redacted(settings.SMTP_URL)}" if settings.SMTP_URL else "off (CUSTODE_SMTP_URL is not set)",
             redacted(settings.IMAP_URL) if settings.IMAP_URL else "none (CUSTODE_IMAP_URL is not set)")
    notifier.run()
    log.info("notifier stopped")
