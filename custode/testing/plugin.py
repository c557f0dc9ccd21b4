"""Pytest plugin loaded before Django is configured (``-p custode.testing.plugin`` in pyproject).

It gives the test run a throw-away data dir, so tests never write into ``./data``.
"""

import os
import tempfile

os.environ.setdefault("CUSTODE_DATA_DIR", tempfile.mkdtemp(prefix="custode-test-"))
os.environ.setdefault("CUSTODE_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
