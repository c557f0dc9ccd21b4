"""The web server: Custode's ASGI application under uvicorn, in this process."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import uvicorn
from django.conf import settings


class Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Stop gracefully on SIGTERM/SIGINT and then return, so the process exits 0.

        uvicorn's own version re-raises the signal after the graceful stop, which makes a clean stop
        look like a death by signal to whoever supervises us.
        """
        handled = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(*, access_log: bool = False) -> None:
    """Serve until stopped.

    Under ASGI each request runs its Django part in a thread of its own, and so opens a database connection of
    its own: kept for CONN_MAX_AGE after the request, those connections outlived their threads and piled up
    until PostgreSQL refused new ones (and answered 500s). Here a request closes its connection when it ends;
    the long-lived threads of the fast paths (pings, agents' reports, status pages, metrics) keep theirs while
    they are busy.
    """
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    host, port = settings.LISTEN
    config = uvicorn.Config("custode.asgi:application", host=host, port=port, loop="uvloop", http="httptools",
                            lifespan="off", access_log=access_log, log_level="info")
    Server(config).run()
