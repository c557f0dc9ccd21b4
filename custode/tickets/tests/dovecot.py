"""A real Dovecot IMAP server on loopback for the desk's e-mail tests (Debian's ``dovecot-imapd``).

It runs from a throw-away directory with its own configuration: users in a passwd-file (one new mailbox per
test, so tests share the server and nothing else), Maildir storage, IMAP on one free loopback port and IMAPS on
another with a certificate from a test CA, so two test runs on one machine (SQLite and PostgreSQL) each have
their own. Run as root, its processes take the ``dovecot``/``dovenull`` users Debian creates;
run as anyone else, they stay that user. Mail is delivered by IMAP APPEND, as a mail server's delivery would
leave it.
"""

from __future__ import annotations

import getpass
import grp
import imaplib
import itertools
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import trustme

from custode.testing.asgi_server import free_port
from custode.testing.services import port_open, require_service

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
STARTS = 5  # tries with new ports when another process took one between choosing it and Dovecot's bind
USERS = 200  # mailboxes a run may take
SECRET = "s3cret/pass"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = custode-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
"""


class Dovecot:
    """A running Dovecot; ``mailbox()`` makes a new user and answers its CUSTODE_IMAP_URL."""

    def __init__(self, root: Path, ca: trustme.CA) -> None:
        self.root = root
        self.ca = ca
        self._users = itertools.count(1)
        self.process: subprocess.Popen | None = None
        self.port = self.tls_port = 0

    def start(self) -> None:
        self._prepare()
        for attempt in range(1, STARTS + 1):
            self.port, self.tls_port = _two_free_ports()
            if self._run(last=attempt == STARTS):
                return

    def _prepare(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "mail", 0o777)  # the mail processes run as the mailbox's user
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(str(self.root / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(self.root / "cert.pem"))
        internal, login = ("dovecot", "dovenull") if os.geteuid() == 0 else (getpass.getuser(),) * 2
        owner = pwd.getpwnam(internal)
        # every user at once: a passwd-file changed within the second it was read is not read again
        (self.root / "users").write_text("".join(
            f"{_user(n)}:{{PLAIN}}{SECRET}:{owner.pw_uid}:{owner.pw_gid}::{self.root}/mail/{_user(n)}\n"
            for n in range(1, USERS + 1)))
        self._owners = internal, login, _group_name(owner.pw_gid)

    def _run(self, *, last: bool) -> bool:
        """Start Dovecot on SELF.port and SELF.tls_port; False when a port was taken meanwhile (and not LAST)."""
        internal, login, group = self._owners
        (self.root / "dovecot.log").unlink(missing_ok=True)  # a failed try's log must not explain this one
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, port=self.port, tls_port=self.tls_port, internal=internal, login=login,
            internal_group=group))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not (port_open("127.0.0.1", self.port, 0.2) and port_open("127.0.0.1", self.tls_port, 0.2)
                   and self.process.poll() is None):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._end()
                why = f"{self.process.stderr.read().decode()[-2000:]}{self.log()[-2000:]}"
                self.stop()
                if "Address already in use" in why and not last:
                    return False
                raise RuntimeError(f"dovecot did not start on ports {self.port}, {self.tls_port}: {why}")
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        self._end()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()

    def _end(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def mailbox(self, *, tls: bool = False, password: str | None = None) -> Maildrop:
        """A new, empty mailbox (its own user); PASSWORD in its URL when given, for a login that is refused."""
        n = next(self._users)
        if n > USERS:
            raise RuntimeError(f"only {USERS} mailboxes: raise USERS in {__name__}")
        user = _user(n)
        scheme, port = ("imaps", self.tls_port) if tls else ("imap", self.port)
        url = f"{scheme}://{quote(user, safe='')}:{quote(password or SECRET, safe='')}@127.0.0.1:{port}/INBOX"
        return Maildrop(user, SECRET, url, self.port)


class Maildrop:
    """One user's INBOX: ``deliver(raw)`` appends a message as delivery would (by plain IMAP)."""

    def __init__(self, user: str, password: str, url: str, imap_port: int) -> None:
        self.user, self.password, self.url, self.imap_port = user, password, url, imap_port

    def deliver(self, *messages: bytes) -> None:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        try:
            client.login(self.user, self.password)
            for raw in messages:
                status, data = client.append("INBOX", None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
                assert status == "OK", data
        finally:
            client.logout()


def _two_free_ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def _user(n: int) -> str:
    return f"desk{n}@custode.test"


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def require_dovecot() -> None:
    require_service("dovecot", os.access(DOVECOT, os.X_OK),
                    "install Debian's dovecot-imapd (apt-get install dovecot-imapd)")
