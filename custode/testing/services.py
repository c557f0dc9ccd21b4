"""Tests that need PostgreSQL, MariaDB, Redis or Chromium call ``require_service``.

They skip on a laptop without the service and fail when ``CUSTODE_REQUIRE_SERVICES=1``,
as ``.ci/run`` sets, so CI never passes by skipping.
"""

import os
import socket

import pytest


def require_service(name: str, reachable: bool, why: str = "") -> None:
    if reachable:
        return
    message = f"{name} is not reachable{': ' + why if why else ''}"
    if os.environ.get("CUSTODE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CUSTODE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
