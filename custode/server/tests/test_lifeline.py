"""A child that holds a lifeline stops by SIGTERM when its parent dies, or at once if it already has."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from custode.server import lifeline
from custode.server.tests.processes import alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")

# A middle process that starts a test child the way the tests do, then waits to be killed. The child says
# it is ready and then writes nothing more, so it is not the broken pipe that stops it.
MIDDLE = """
import os, time
from custode.server.tests.processes import Child
child = Child("shell", "-c", "import time; print('ready', flush=True); time.sleep(120)", env=dict(os.environ))
child.wait_for("^ready$")
print(child.proc.pid, flush=True)
time.sleep(120)
"""


def custode(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "custode", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_child_of_a_living_parent_runs_and_does_not_pass_the_lifeline_on():
    done = custode("shell", "-c", f"import os; print(os.environ.get({lifeline.PARENT!r}))",
                   env=lifeline.child_env())
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "None"


def test_a_child_whose_parent_died_before_it_started_stops_by_sigterm_at_once():
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait(30)
    done = custode("help", env={**os.environ, lifeline.PARENT: str(gone.pid)})
    assert done.returncode == -signal.SIGTERM
    assert done.stdout == ""


def test_a_test_child_stops_when_the_test_process_is_killed_with_sigkill():
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE], stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(middle.stdout.readline())
        assert alive(child)
        middle.kill()
        middle.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        middle.kill()
        middle.wait(10)
        middle.stdout.close()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)
