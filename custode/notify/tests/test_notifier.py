"""`custode notifier` as a real process, delivering to a real SMTP server, stopped and killed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from custode.notify.tests.peers import SmtpServer
from custode.server.tests.processes import custode_env, migrate, running

ENQUEUE = """
from custode.notify.outgoing import Outgoing
from custode.notify.services import outbox_enqueue
outbox_enqueue(messages=[Outgoing(key=f"test:{i}", audience="customer", channel="email", language="en",
                                  recipient=f"contact{i}@example.com", subject=f"message {i}", body="Hello")
                         for i in range({count})])
"""


def prepared(tmp_path, smtp: SmtpServer, count: int) -> dict[str, str]:
    """A migrated data dir whose outbox holds COUNT e-mails, with CUSTODE_SMTP_URL pointing to SMTP."""
    env = {**custode_env(tmp_path), "CUSTODE_SMTP_URL": smtp.url, "CUSTODE_BASE_URL": "https://custode.example"}
    migrate(env)
    subprocess.run([sys.executable, "-m", "custode", "shell", "-c", ENQUEUE.replace("{count}", str(count))], env=env,
                   check=True, timeout=60)
    return env


def statuses(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "custode.sqlite3") as db:
        return [status for (status,) in db.execute("select status from notify_message order by id")]


def wait_all_sent(tmp_path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while set(statuses(tmp_path)) != {"sent"}:
        if time.monotonic() > deadline:
            raise AssertionError(f"not all sent within {timeout}s: {statuses(tmp_path)}")
        time.sleep(0.1)


def test_the_notifier_delivers_a_pending_email_and_stops_with_exit_0_on_sigterm(tmp_path):
    smtp = SmtpServer()
    smtp.start()
    try:
        env = prepared(tmp_path, smtp, 1)
        with running("notifier", env=env) as notifier:
            notifier.wait_for(r"notifier started: steps .*delivery")
            [mail] = smtp.mailbox.wait_for(1)
            assert mail["To"] == "contact0@example.com"
            wait_all_sent(tmp_path, 10)
            assert notifier.stop() == 0
            notifier.wait_for("notifier stopped", timeout=5)
    finally:
        smtp.stop()


def test_a_notifier_killed_mid_batch_and_started_again_loses_no_email_and_repeats_none(tmp_path):
    smtp = SmtpServer()
    smtp.start()
    try:
        env = prepared(tmp_path, smtp, 12)
        smtp.mailbox.rcpt_delay = 0.3
        with running("notifier", env=env) as notifier:
            smtp.mailbox.wait_for(4)
            smtp.mailbox.in_rcpt.clear()
            assert smtp.mailbox.in_rcpt.wait(10)
            notifier.kill_group()  # SIGKILL while the server holds a RCPT: between two messages' handoffs
        delivered = len(smtp.mailbox.messages)
        assert 4 <= delivered < 12
        assert statuses(tmp_path).count("sent") == delivered

        smtp.mailbox.rcpt_delay = 0
        with running("notifier", env=env) as notifier:
            wait_all_sent(tmp_path, 60)  # the killed one's lease expires first
            assert notifier.stop() == 0
        subjects = sorted(mail["Subject"] for mail in smtp.mailbox.messages)
        assert subjects == sorted(f"message {i}" for i in range(12))
    finally:
        smtp.stop()


def test_a_notifier_with_an_smtp_url_it_cannot_use_refuses_to_start_and_hides_the_password(tmp_path):
    env = {**custode_env(tmp_path), "CUSTODE_SMTP_URL": "http://ops:s3cret@mail.example.com",
           "CUSTODE_BASE_URL": "https://custode.example"}
    done = subprocess.run([sys.executable, "-m", "custode", "notifier"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "CUSTODE_SMTP_URL='http://ops:***@mail.example.com': must start with smtp:// or smtps://" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout


RELEASE = """
from custode.notify.services import messages_release
from custode.notify.models import Message
messages_release(ids=list(Message.objects.values_list("id", flat=True)), by="anna")
"""


def test_mail_held_without_smtp_stays_unsent_when_the_notifier_restarts_with_it_until_released(tmp_path):
    smtp = SmtpServer()
    smtp.start()
    try:
        env = prepared(tmp_path, smtp, 2)
        without = {k: v for k, v in env.items() if k != "CUSTODE_SMTP_URL"}
        with running("notifier", env=without) as notifier:
            deadline = time.monotonic() + 20
            while statuses(tmp_path) != ["held", "held"]:
                assert time.monotonic() < deadline, statuses(tmp_path)
                time.sleep(0.1)
            assert notifier.stop() == 0

        with running("notifier", env=env) as notifier:
            notifier.wait_for(r"notifier started: steps .*delivery")
            time.sleep(2)
            assert smtp.mailbox.messages == [] and statuses(tmp_path) == ["held", "held"]
            subprocess.run([sys.executable, "-m", "custode", "shell", "-c", RELEASE], env=env, check=True, timeout=60)
            wait_all_sent(tmp_path, 20)
            assert notifier.stop() == 0
        assert sorted(mail["Subject"] for mail in smtp.mailbox.messages) == ["message 0", "message 1"]
    finally:
        smtp.stop()


def test_a_notifier_with_smtp_but_no_base_url_refuses_to_start_saying_which_setting(tmp_path):
    env = {**custode_env(tmp_path), "CUSTODE_SMTP_URL": "smtp://127.0.0.1:2525"}
    done = subprocess.run([sys.executable, "-m", "custode", "notifier"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().startswith("custode: CUSTODE_BASE_URL is not set while CUSTODE_SMTP_URL is")
