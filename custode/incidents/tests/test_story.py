"""Story 1 end to end, as a provider runs it: a config file applied, the real engine and notifier as
processes, the sites on a loopback HTTP target that dies, and a real SMTP server reading the mail.

The shared server dies and its forty sites with it: one incident, one alert to the on-call technician,
one e-mail to each customer contact in their language naming only their sites and signed by a person;
when the server is back, one "resolved" e-mail each, and one ticket each saying what happened. Neither a mail
server that refuses for two minutes nor a SIGKILL of the engine and notifier mid-incident repeats or loses a
message, or opens a ticket twice.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from custode.engine.tests.harness import Target
from custode.incidents.models import Incident, Status
from custode.monitors.models import Monitor
from custode.notify.models import Message
from custode.notify.tests.peers import SmtpServer
from custode.server.tests.processes import Child, custode_env, shared_database_url
from custode.testing.scenarios import LANGUAGES, contact_addresses, forty_sites
from custode.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

ON_CALL = "domenico@retesicura.example"
ADDRESSES = contact_addresses()
EVERYONE = {**ADDRESSES, ON_CALL: None}
GREETING = {"it": "Gentile ", "en": "Dear ", "es": "Hola, "}


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


class Story:
    """The world applied from the config file, with its processes and peers."""

    def __init__(self, tmp_path, smtp: SmtpServer):
        self.target = Target([200])
        self.smtp = smtp
        self.env = custode_env(tmp_path, database_url=shared_database_url())
        self.env.update(CUSTODE_SMTP_URL=smtp.url, CUSTODE_INCIDENT_STABLE="3s", CUSTODE_BASE_URL="https://custode.example")
        config = tmp_path / "forty-sites.yaml"
        config.write_text(forty_sites(server_url=self.target.url, site_url=self.target.url, interval="3s"))
        apply = Child("apply", "-f", str(config), env=self.env)
        code = apply.proc.wait(120)
        apply.kill_group()  # gone already: this closes its output
        assert code == 0, apply.output()
        self.children: list[Child] = []

    def start(self) -> None:
        self.children = [Child("engine", env=self.env), Child("notifier", env=self.env)]

    def kill(self) -> None:
        for child in self.children:
            child.kill_group()

    def stop(self) -> None:
        for child in self.children:
            child.stop(20)
            child.kill_group()

    def target_down(self) -> None:
        self.target.close()

    def target_up(self) -> None:
        self.target = Target([200], port=self.target.port)

    def mail_to(self) -> Counter:
        return Counter(m["To"].addresses[0].addr_spec for m in self.smtp.mailbox.messages)


def one_incident_ticket_per_affected_customer() -> bool:
    """Each customer told of the incident has exactly one ticket about it (channel `incident`), nobody else any.

    Customers on both sides, by their id: an AffectedCustomer row's own id equals its customer's only in a
    database where both tables were numbered from 1 together."""
    incident = Incident.objects.get()
    tickets = Counter(Ticket.objects.filter(channel="incident").values_list("customer_id", flat=True))
    return tickets == Counter(incident.affected.values_list("customer_id", flat=True))


def all_up() -> bool:
    return not Monitor.objects.exclude(state="up").exists()


def received(story: Story, per_address: int) -> bool:
    mail = story.mail_to()
    return all(mail[a] >= per_address for a in EVERYONE)


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def story(tmp_path, smtp):
    world = Story(tmp_path, smtp)
    yield world
    world.kill()
    world.target.close()


def test_a_dead_server_gives_one_incident_one_alert_and_one_email_per_contact_in_their_language(story):
    story.start()
    wait_for(all_up, 60, "every monitor UP")
    story.target_down()
    wait_for(lambda: received(story, 1), 60, "an e-mail to every contact and to the on-call technician")
    time.sleep(3)  # a second message would arrive now

    assert story.mail_to() == Counter({a: 1 for a in EVERYONE})
    incident = Incident.objects.get()
    assert incident.root_asset.key == "vps-01"
    assert incident.affected.count() == 12
    by_address = {m["To"].addresses[0].addr_spec: m for m in story.smtp.mailbox.messages}
    for address, customer in ADDRESSES.items():
        body = by_address[address].get_content()
        own = {f"www.site{n:02}.example" for n in range(int(customer[1:]), 40, 12)}
        named = {f"www.site{n:02}.example" for n in range(40) if f"www.site{n:02}.example" in body}
        assert named == own, (address, named)
        assert "Domenico Ferri" in body and "+39 333 0000001" in body
        assert "Cliente" not in body.replace(f"Cliente {customer[1:]}", "")  # no other customer's name
        language = "en" if address.startswith("second") else LANGUAGES[int(customer[1:]) % 3]
        assert body.startswith(GREETING[language]), (address, body[:40])

    story.target_up()
    wait_for(lambda: received(story, 2), 60, "a resolved e-mail to every contact and the technician")
    wait_for(one_incident_ticket_per_affected_customer, 30, "one ticket about the outage per customer told of it")
    time.sleep(3)
    story.stop()
    assert story.mail_to() == Counter({a: 2 for a in EVERYONE})
    assert Incident.objects.get().status == Status.RESOLVED
    assert one_incident_ticket_per_affected_customer()


def test_emails_wait_for_a_mail_server_down_for_two_minutes_and_then_arrive_once(story, smtp):
    story.start()
    wait_for(all_up, 60, "every monitor UP")
    smtp.stop()
    story.target_down()
    wait_for(lambda: Message.objects.filter(status="pending").count() >= len(EVERYONE)
             and Message.objects.filter(attempts__gte=1, status="pending").exists(), 60,
             "every e-mail written, and the mail server found down")
    time.sleep(120 - 10)
    smtp.start()
    wait_for(lambda: received(story, 1), 240, "every e-mail once the mail server is back")
    time.sleep(3)
    story.stop()
    assert story.mail_to() == Counter({a: 1 for a in EVERYONE})
    assert not Message.objects.exclude(status="sent").exists()


def test_engine_and_notifier_killed_mid_incident_lose_nothing_and_repeat_only_a_message_the_server_had(story):
    """A SIGKILL may land after the mail server accepted a message and before the outbox recorded it (README,
    "Notifications": the one duplicate window): that message may arrive again, with its own Message-ID, once.
    Nothing else may repeat, no message may be written twice, and nothing may be lost."""
    story.start()
    wait_for(all_up, 60, "every monitor UP")
    story.target_down()
    wait_for(lambda: story.mail_to()[ON_CALL] == 1, 60, "the on-call alert")
    story.kill()  # some customer e-mails may still be pending: they must go out after the restart
    story.start()
    wait_for(lambda: received(story, 1), 60, "the opened e-mails, after the restart")
    story.target_up()
    wait_for(lambda: received(story, 2), 60, "the resolved e-mails")
    wait_for(one_incident_ticket_per_affected_customer, 30, "one ticket about the outage per customer told of it")
    story.kill()
    story.start()  # a restart after everything was sent must send nothing again, nor open a ticket again
    time.sleep(8)
    story.stop()
    assert one_incident_ticket_per_affected_customer()
    messages = Counter((m["To"].addresses[0].addr_spec, m["Message-ID"]) for m in story.smtp.mailbox.messages)
    assert Counter(address for address, _ in messages) == Counter({a: 2 for a in EVERYONE})  # two distinct each
    assert sum(copies - 1 for copies in messages.values()) <= 1  # the one mid-delivery kill: at most one repeat
    assert Incident.objects.count() == 1
