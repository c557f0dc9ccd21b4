"""A read-only token reads where people are told, never the secrets in it: bot tokens, webhook keys, passwords."""

from __future__ import annotations

import pytest
from django.utils import timezone

from custode.notify.models import Message
from custode.testing import factories

BOT = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654"
HOOK = "json://hooks.example.com/incoming/9f2c1e7d5b"
SUBSCRIBER_HOOK = "https://hooks.example.com/services/T0/B0/XXsecretXX"


@pytest.fixture
def maria(db):
    acme = factories.customer("acme", name="Acme")
    return factories.contact(acme, name="Maria", email="maria@example.com", notify=["email", BOT, HOOK])


def test_a_read_only_token_sees_contacts_notify_targets_masked(read_client, maria):
    shown = read_client.get(f"/contacts/{maria.pk}").json()["notify"]
    assert shown[0] == "email" and shown[1].startswith("tgram://") and shown[2] == "json://hooks.example.com/…"
    listed = read_client.get("/contacts").json()["items"][0]["notify"]
    assert listed == shown
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in str(listed) and "9f2c1e7d5b" not in str(listed)


def test_a_read_write_token_sees_them_whole_and_a_patch_keeps_them(write_client, maria):
    assert write_client.get(f"/contacts/{maria.pk}").json()["notify"] == ["email", BOT, HOOK]
    assert write_client.patch(f"/contacts/{maria.pk}", json={"phone": "+39 02 1234"}).status_code == 200
    maria.refresh_from_db()
    assert maria.notify == ["email", BOT, HOOK]


def test_a_read_only_token_sees_the_delivery_logs_webhook_recipients_masked(read_client, write_client, maria):
    now = timezone.now()
    for n, (channel, recipient) in enumerate([("apprise", BOT), ("webhook", SUBSCRIBER_HOOK),
                                              ("email", "maria@example.com")]):
        Message.objects.create(key=f"k{n}", topic="incident:1", audience="customer", channel=channel,
                               recipient=recipient, language="it", subject="s", body="b", next_attempt_at=now)
    seen = {m["channel"]: m["recipient"] for m in read_client.get("/messages").json()["items"]}
    assert seen["email"] == "maria@example.com"
    assert seen["webhook"] == "https://hooks.example.com/…"
    assert seen["apprise"].startswith("tgram://") and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in seen["apprise"]
    whole = {m["channel"]: m["recipient"] for m in write_client.get("/messages").json()["items"]}
    assert whole == {"apprise": BOT, "webhook": SUBSCRIBER_HOOK, "email": "maria@example.com"}
