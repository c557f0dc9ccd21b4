"""A child process that dies with its parent, even when the parent is killed with SIGKILL.

`custode up` stops its children on SIGTERM, but SIGKILL (the OOM killer, `kill -9`, a container runtime
out of patience) gives it no chance: without this, the web server, engine and notifier would keep running
unsupervised, holding the port and the database. The same goes for the processes tests start, when
pytest itself is killed.

The parent puts its pid in the child's environment (`child_env`). The child calls `hold` first thing in
the `custode` command: on Linux it asks the kernel (prctl PR_SET_PDEATHSIG) to send it SIGTERM, which our
processes handle as a graceful stop, when the parent dies. If the parent died before that request was
made, the child is no longer its child: it stops the same way at once. This is done in the child rather
than in a `preexec_fn`, which is not safe in a parent that runs threads. Elsewhere nothing happens.

The kernel's "parent" is the thread that started the child: start children from a thread that lives as
long as the process (the main thread), or they are stopped when that thread ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Mapping

PARENT = "CUSTODE_LIFELINE_PARENT"
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """ENV (this process's environment by default) for a child that `hold`s on to this process."""
    return {**(os.environ if env is None else env), PARENT: str(os.getpid())}


def hold() -> None:
    """If the parent asked for it, die by SIGTERM when the parent dies; at once if it already has.

    The variable is taken out of the environment, so it does not reach this process's own children.
    """
    parent = os.environ.pop(PARENT, None)
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return
    if os.getppid() != int(parent):
        signal.raise_signal(signal.SIGTERM)
