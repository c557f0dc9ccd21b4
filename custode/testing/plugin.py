"""Pytest plugin loaded before Django is configured (``-p custode.testing.plugin`` in pyproject).

It gives the test run a throw-away data dir, so tests never write into ``./data``, and starts each test with a
deliverer that knows of no unreachable peer.
"""

import os
import tempfile

import pytest

os.environ.setdefault("CUSTODE_DATA_DIR", tempfile.mkdtemp(prefix="custode-test-"))
os.environ.setdefault("CUSTODE_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")


@pytest.fixture(autouse=True)
def _deliverer_forgets_unreachable_peers():
    """A mail server one test made unreachable may come back on the same port in the next: the in-process
    deliverer starts each test knowing of no unreachable peer, as a freshly started notifier does."""
    yield
    from custode.notify import delivery

    delivery._peers.clear()
