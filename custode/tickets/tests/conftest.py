from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from custode.tickets.tests.dovecot import Dovecot, require_dovecot


@pytest.fixture(scope="session")
def dovecot_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def dovecot(dovecot_ca: trustme.CA) -> Iterator[Dovecot]:
    """One Dovecot for the whole run; each test takes mailboxes of its own (``dovecot.mailbox()``)."""
    require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="custode-dovecot-"))
    os.chmod(root, 0o755)  # its mail processes run as another user, and walk down to the Maildirs
    server = Dovecot(root, dovecot_ca)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)
