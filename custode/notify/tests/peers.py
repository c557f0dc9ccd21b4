"""Real peers on loopback for the delivery tests: an SMTP server that keeps what it receives, one that never
answers, and an HTTP receiver that keeps what is POSTed to it and answers with the status a test chooses.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from custode.testing.asgi_server import free_port


class Mailbox:
    """An aiosmtpd handler: refuses recipients whose address starts with ``refused`` (550) for good and those
    starting with ``busy`` for now (450), keeps the rest.

    ``rcpt_delay`` holds every RCPT for that long, and ``in_rcpt`` is set meanwhile, so a test can kill a
    client while it is between messages rather than in the moment after the server took one. ``data_delay``
    keeps the answer to the end of DATA that long after the message arrived (and is kept): a server that
    filters or relays before it says 250.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_delay = 0.0
        self.in_rcpt = threading.Event()
        self.data_delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        if address.startswith("busy"):
            return "450 4.2.1 <%s>: mailbox busy, try again later" % address
        if self.rcpt_delay:
            self.in_rcpt.set()
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 queued"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} e-mail(s) arrived within {timeout}s, expected {count}")
            time.sleep(0.02)
        return self.messages


class SmtpServer:
    """An aiosmtpd server on a loopback port chosen once, so it can be stopped and started again.

    PARAMETERS go to aiosmtpd's SMTP class: ``tls_context``, ``require_starttls``, ``authenticator``, ...
    """

    def __init__(self, **parameters) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.parameters = parameters
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     server_hostname="mx.custode.test", **self.parameters)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


class Blackhole:
    """A loopback port that accepts connections and never says a word: an SMTP server that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.held.append(client)
            self.connected.set()

    def close(self) -> None:
        self.listener.close()
        for client in self.held:
            client.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    """Keeps every POST; answers ``status`` (200 unless a test changes it)."""

    status: int = 200
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
