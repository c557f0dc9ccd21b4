from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from custode.checks.tests.servers_net import refused_port, smtp_ca, trust_smtp_ca  # noqa: F401  (fixtures)
from custode.notify.models import Message
from custode.notify.outgoing import Outgoing
from custode.notify.services import outbox_enqueue
from custode.notify.tests.peers import HttpReceiver, SmtpServer

_keys = itertools.count(1)


def enqueue(**fields) -> Message:
    """One message written through the outbox service, as every writer of messages does."""
    n = next(_keys)
    fields = {"key": f"test:{n}", "audience": "customer", "channel": "email", "recipient": f"anna{n}@example.com",
              "language": "it", "subject": "Sito non raggiungibile", "body": "Stiamo lavorando.", **fields}
    outbox_enqueue(messages=[Outgoing(**fields)])
    return Message.objects.get(key=fields["key"])


def at_once(work: Callable[[], object], count: int = 2) -> list[Exception]:
    """Runs WORK in COUNT threads at once (each with its own database connection), like as many notifiers;
    returns what they raised."""
    errors: list[Exception] = []

    def worker() -> None:
        try:
            work()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """A running SMTP server that CUSTODE_SMTP_URL points to."""
    server = SmtpServer()
    server.start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()

