"""What customers and staff are told about incidents and maintenance, in it/en/es, and nothing they should not see.

The world: the provider's server vps-01 hosts sites of three customers (Italian, English, Spanish);
an outsider customer has a site elsewhere and must never appear in anyone's message.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.template import engines

from custode.incidents import messages, templating, wording
from custode.incidents.models import AffectedCustomer, Incident, Update
from custode.maintenance.models import MaintenanceWindow
from custode.notify.models import Message
from custode.testing import factories

OPENED = dt.datetime(2026, 12, 2, 9, 42, tzinfo=dt.UTC)          # 10:42 in Rome
RESOLVED = OPENED + dt.timedelta(hours=1, minutes=12)
GREETING = {"it": "Gentile Maria Bianchi,", "en": "Dear John Smith,", "es": "Hola, Lucía Ortega:"}
ZONE = {"it": "(ora Italia)", "en": "(Italy Time)", "es": "(hora de Italia)"}


@pytest.fixture
def world(db):
    provider = factories.provider(name="Rete Sicura S.r.l.", contact_url="https://retesicura.example/contatti",
                                  update_every=1800)
    owner = factories.staff("domenico", name="Domenico Ferri", phone="+39 333 0000001", on_call=True,
                            notify=["email"]).staff
    other = factories.staff("giulia", name="Giulia Sala", phone="+39 333 0000002", language="en",
                            notify=["email", "webhook+http://127.0.0.1:9/oncall"]).staff
    vps = factories.asset("vps-01", kind="server", name="VPS 01")
    root_monitor = factories.monitor("vps-ping", asset=vps, type="tcp", spec={"host": "127.0.0.1", "port": 9},
                                     state="down", last_reason="connection refused")
    people = {}
    for key, name, language, contact, sites in (
        ("studio-bianchi", "Studio Legale Bianchi", "it", "Maria Bianchi", ["www.studiobianchi.example"]),
        ("acme", "Acme Ltd", "en", "John Smith", ["www.acme.example", "shop.acme.example"]),
        ("hotel-mirador", "Hotel Mirador", "es", "Lucía Ortega",
         ["www.hotelmirador.example", "reservas.mirador.example"]),
    ):
        customer = factories.customer(key, name=name, language=language)
        assets = [factories.asset(customer=customer, name=site) for site in sites]
        for a in assets:
            a.depends_on.add(vps)
        people[language] = SimpleNamespace(customer=customer, sites=sites, assets=assets,
                                           contact=factories.contact(customer, name=contact))
    outsider = factories.customer("outsider", name="Outsider Costruzioni", language="it")
    factories.contact(outsider, name="Olga Outsider")
    factories.asset(customer=outsider, name="www.outsider.example")
    incident = Incident.objects.create(title="VPS 01 unreachable", owner=owner, root_asset=vps, opened_at=OPENED,
                                       confirmed_at=OPENED)
    incident.assets.add(vps, *[a for p in people.values() for a in p.assets])
    incident.monitors.add(root_monitor)
    for p in people.values():
        AffectedCustomer.objects.create(incident=incident, customer=p.customer, started_at=OPENED)
    return SimpleNamespace(provider=provider, owner=owner, other=other, vps=vps, incident=incident, people=people,
                           outsider=outsider)


def for_customer(out, customer):
    return [m for m in out if m.customer_id == customer.pk]


def resolve(incident, at=RESOLVED):
    incident.status, incident.resolved_at = "resolved", at
    incident.save()
    incident.affected.update(resolved_at=at)


def public_update(incident, author, **fields):
    fields.setdefault("status", "identified")
    return Update.objects.create(incident=incident, at=OPENED + dt.timedelta(minutes=20), author=author,
                                 author_name=author.name if author else "", **fields)


def assert_clean(message):
    assert message.subject.strip()
    for text in (message.subject, message.body):
        assert "{{" not in text and "{%" not in text and "}}" not in text


def assert_only_their_own(message, world, language):
    mine = world.people[language]
    for site in mine.sites:
        assert site in message.body
    others = [p for lang, p in world.people.items() if lang != language]
    for p in others:
        assert p.customer.name not in message.body + message.subject
        for site in p.sites:
            assert site not in message.body + message.subject
    for outsider_word in ("Outsider", "www.outsider.example"):
        assert outsider_word not in message.body + message.subject
    assert "VPS 01" not in message.body and "vps-01" not in message.body


def events(world):
    update = public_update(world.incident, world.owner, template="identified")
    return {
        "opened": lambda: messages.incident_opened(world.incident),
        "update": lambda: messages.incident_updated(world.incident, update),
        "resolved": lambda: (resolve(world.incident), messages.incident_resolved(world.incident))[1],
    }


@pytest.mark.parametrize("event", ["opened", "update", "resolved"])
@pytest.mark.parametrize("language", ["it", "en", "es"])
def test_each_customer_is_told_in_their_language_about_their_services_only(world, language, event):
    out = events(world)[event]()
    mine = for_customer(out, world.people[language].customer)
    assert len(mine) == 1
    message = mine[0]
    assert message.language == language and message.audience == "customer"
    assert message.recipient == world.people[language].contact.email
    assert message.recipient_name == world.people[language].contact.name
    assert message.body.startswith(GREETING[language])
    assert_clean(message)
    assert_only_their_own(message, world, language)
    assert "Domenico Ferri" in message.body and "+39 333 0000001" in message.body
    for detail in ("Rete Sicura S.r.l.", "+39 0521 000000", "assistenza@retesicura.example",
                   "https://retesicura.example/contatti"):
        assert detail in message.body
    assert f"/status/c/{world.people[language].customer.status_token}/" in message.body
    assert ZONE[language] in message.body and "10:42" in message.body
    assert "!" not in message.body
    assert message.topic == f"incident:{world.incident.pk}"


def test_the_opening_says_what_failed_without_naming_it_and_promises_the_next_update(world):
    out = messages.incident_opened(world.incident)
    bodies = {m.language: m.body for m in out if m.audience == "customer"}
    assert "server che ospita i Suoi siti" in bodies["it"]
    assert "the server that hosts your sites" in bodies["en"]
    assert "el servidor que aloja sus sitios web" in bodies["es"]
    assert "entro 30 minuti" in bodies["it"]
    assert "within 30 minutes" in bodies["en"]
    assert "en un plazo máximo de 30 minutos" in bodies["es"]


def test_a_customer_whose_own_asset_failed_is_told_it_by_name(world):
    mirador = world.people["es"]
    world.incident.root_asset = mirador.assets[0]
    world.incident.save()
    body = for_customer(messages.incident_opened(world.incident), mirador.customer)[0].body
    assert "una avería en www.hotelmirador.example" in body


def test_an_incident_nobody_owns_is_signed_by_the_provider(world):
    world.incident.owner = None
    world.incident.save()
    body = for_customer(messages.incident_opened(world.incident), world.people["it"].customer)[0].body
    assert "Domenico" not in body
    assert "i nostri tecnici ci stanno già lavorando" in body
    assert body.rstrip().endswith("https://retesicura.example/contatti")
    assert "Rete Sicura S.r.l.\nAssistenza +39 0521 000000" in body


def test_staff_get_one_short_alert_per_target_with_cause_reason_and_link(world, settings):
    settings.BASE_URL = "https://custode.example"
    staff = [m for m in messages.incident_opened(world.incident) if m.audience == "staff"]
    assert sorted((m.recipient_name, m.channel) for m in staff) == [
        ("Domenico Ferri", "email"), ("Giulia Sala", "email"), ("Giulia Sala", "webhook")]
    italian = next(m for m in staff if m.recipient_name == "Domenico Ferri")
    assert italian.language == "it"
    assert italian.subject == f"[#{world.incident.pk}] Guasto: VPS 01 – 1 monitor, 3 clienti"
    assert "Motivo: connessione rifiutata" in italian.body
    assert "Acme Ltd, Hotel Mirador e Studio Legale Bianchi" in italian.body
    assert f"https://custode.example/incidents/{world.incident.pk}/" in italian.body
    english = next(m for m in staff if m.recipient_name == "Giulia Sala" and m.channel == "email")
    assert english.subject.startswith(f"[#{world.incident.pk}] Down: VPS 01")
    assert "Reason: connection refused" in english.body
    assert len(english.body.splitlines()) <= 8


def test_no_customers_means_the_staff_alert_alone(world):
    out = messages.incident_opened(world.incident, customers=[])
    assert out and {m.audience for m in out} == {"staff"}
    some = messages.incident_opened(world.incident, customers=[world.people["en"].customer])
    assert {m.customer_id for m in some if m.audience == "customer"} == {world.people["en"].customer.pk}


def test_the_same_call_twice_gives_the_same_keys(world):
    update = public_update(world.incident, world.owner, template="monitoring")
    window = MaintenanceWindow.objects.create(key="w", title={"en": "Upgrade"}, start=OPENED, duration=3600,
                                              announce=True)
    window.assets.add(world.vps)
    calls = [
        lambda: messages.incident_opened(world.incident),
        lambda: messages.incident_updated(world.incident, update),
        lambda: messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(minutes=31)),
        lambda: messages.maintenance_notice(window, phase="announce"),
        lambda: (resolve(world.incident), messages.incident_resolved(world.incident))[1],
    ]
    for call in calls:
        first, second = [m.key for m in call()], [m.key for m in call()]
        assert first == second and len(set(first)) == len(first) and first
    opened = messages.incident_opened(world.incident)
    maria = next(m for m in opened if m.recipient_name == "Maria Bianchi")
    contact = world.people["it"].contact
    assert maria.key == f"incident:{world.incident.pk}:opened:contact:{contact.pk}:email:{contact.email}"
    assert all(m.key.startswith(f"incident:{world.incident.pk}:update:{update.pk}:")
               for m in messages.incident_updated(world.incident, update))


def test_a_key_longer_than_the_outbox_allows_keeps_its_head_and_hashes_its_tail(world):
    contact = world.people["en"].contact
    contact.notify = ["webhook+https://hooks.example/" + "x" * 300]
    contact.save()
    hook = next(m for m in messages.incident_opened(world.incident) if m.channel == "webhook" and m.customer_id)
    assert len(hook.key) == 255
    assert hook.key.startswith(f"incident:{world.incident.pk}:opened:contact:{contact.pk}:webhook:https://hooks")
    assert hook.key == next(m for m in messages.incident_opened(world.incident)
                            if m.channel == "webhook" and m.customer_id).key


def test_a_provider_template_in_the_templates_dir_is_used(world, settings, tmp_path):
    own = tmp_path / "messages" / "it" / "customer_opened.txt"
    own.parent.mkdir(parents=True)
    own.write_text("Subject: Avviso di {{ provider.name }}\n\nProblema su {{ services_inline }}. "
                   "Firma: {{ signer.name }}\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    out = messages.incident_opened(world.incident)
    italian = for_customer(out, world.people["it"].customer)[0]
    assert italian.subject == "Avviso di Rete Sicura S.r.l."
    assert italian.body == "Problema su www.studiobianchi.example. Firma: Domenico Ferri\n"
    english = for_customer(out, world.people["en"].customer)[0]
    assert english.body.startswith("Dear John Smith,")


def test_the_templates_dir_setting_comes_from_the_environment(monkeypatch, tmp_path):
    import importlib

    import custode.settings as custode_settings

    monkeypatch.setenv("CUSTODE_TEMPLATES_DIR", str(tmp_path))
    try:
        assert importlib.reload(custode_settings).TEMPLATES[0]["DIRS"][0] == tmp_path.resolve()
    finally:
        monkeypatch.delenv("CUSTODE_TEMPLATES_DIR")
        importlib.reload(custode_settings)
    assert custode_settings.TEMPLATES[0]["DIRS"][0].name == "templates"


@pytest.mark.parametrize("broken", ["Problema su {{ services_inline }}\n", "Subject: {% if %}\n\nx\n"])
def test_a_broken_provider_template_falls_back_to_the_built_in_one(world, settings, tmp_path, broken, caplog):
    own = tmp_path / "messages" / "it" / "customer_opened.txt"
    own.parent.mkdir(parents=True)
    own.write_text(broken)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    italian = for_customer(messages.incident_opened(world.incident), world.people["it"].customer)[0]
    assert italian.subject == "www.studiobianchi.example non è raggiungibile: ci stiamo lavorando"
    assert "messages/it/customer_opened.txt" in caplog.text


def test_app_templates_are_found_by_the_configured_loaders():
    engine = engines["django"].engine
    assert engine.app_dirs
    assert engine.get_template("messages/es/customer_resolved.txt").origin.name.startswith(
        str(templating.BUILTIN_TEMPLATES))


@pytest.mark.parametrize("seconds, it, en, es", [
    (72 * 60, "1 ora e 12 minuti", "1 hour 12 minutes", "1 hora y 12 minutos"),
    (3600, "1 ora", "1 hour", "1 hora"),
    (60, "1 minuto", "1 minute", "1 minuto"),
    (20, "meno di un minuto", "less than a minute", "menos de un minuto"),
    (2 * 86400 + 3 * 3600 + 5 * 60, "2 giorni, 3 ore e 5 minuti", "2 days 3 hours 5 minutes",
     "2 días, 3 horas y 5 minutos"),
])
def test_durations_read_naturally_in_each_language(seconds, it, en, es):
    assert [wording.duration(seconds, lang) for lang in ("it", "en", "es")] == [it, en, es]


def test_each_customer_is_told_their_own_duration(world):
    resolve(world.incident)
    later = world.people["es"]
    AffectedCustomer.objects.filter(customer=later.customer).update(started_at=OPENED + dt.timedelta(minutes=30))
    out = messages.incident_resolved(world.incident)
    body = {lang: for_customer(out, p.customer)[0].body for lang, p in world.people.items()}
    assert "durato 1 ora e 12 minuti, dalle 10:42 alle 11:54 (ora Italia)" in body["it"]
    assert "lasted 1 hour 12 minutes, from 10:42 to 11:54 (Italy Time)" in body["en"]

    assert "ha durado 42 minutos, de las 11:12 a las 11:54 (hora de Italia)" in body["es"]


def test_the_resolver_words_reach_customers_with_the_closing_message(world):
    Update.objects.create(incident=world.incident, at=RESOLVED, status="resolved", author=world.owner,
                          author_name="Domenico Ferri", template="resolved",
                          message="Abbiamo sostituito l'alimentatore del server.", language="it")
    resolve(world.incident)
    body = for_customer(messages.incident_resolved(world.incident), world.people["it"].customer)[0].body
    assert "Abbiamo sostituito l'alimentatore del server." in body


def test_an_internal_update_goes_to_staff_only(world):
    note = public_update(world.incident, world.owner, public=False, message="Riavvio il nodo 2 alle 11.",
                         language="it")
    out = messages.incident_updated(world.incident, note)
    assert out and {m.audience for m in out} == {"staff"}
    assert all(m.customer_id is None for m in out)
    assert all("Riavvio il nodo 2 alle 11." in m.body for m in out)
    assert any("nota interna" in m.body for m in out if m.language == "it")


def test_a_stock_update_reads_in_each_readers_language_and_is_signed_by_its_author(world):
    update = public_update(world.incident, world.other, template="identified")
    out = messages.incident_updated(world.incident, update)
    body = {lang: for_customer(out, p.customer)[0].body for lang, p in world.people.items()}
    assert "Abbiamo individuato la causa" in body["it"]
    assert "We have found the cause" in body["en"]
    assert "Hemos identificado la causa" in body["es"]
    assert all("Giulia Sala" in b and "+39 333 0000002" in b for b in body.values())


def test_an_authors_own_words_reach_everyone_as_written(world):
    update = public_update(world.incident, world.owner, message="Il disco è stato sostituito.", language="it")
    out = messages.incident_updated(world.incident, update)
    assert all("Il disco è stato sostituito." in m.body for m in out)


def test_a_contacts_webhook_gets_a_document_with_only_that_customers_data(world, settings):
    settings.BASE_URL = "https://custode.example"
    mirador = world.people["es"]
    mirador.contact.notify = ["email", "webhook+https://hooks.mirador.example/custode"]
    mirador.contact.save()
    out = for_customer(messages.incident_opened(world.incident), mirador.customer)
    email, hook = sorted(out, key=lambda m: m.channel)
    assert email.payload == {}
    assert hook.recipient == "https://hooks.mirador.example/custode" and hook.language == "es"
    doc = hook.payload
    assert doc["event"] == "incident.opened"
    assert doc["customer"] == {"id": "hotel-mirador", "name": "Hotel Mirador"}
    assert sorted(a["name"] for a in doc["affected"]) == sorted(mirador.sites)
    assert doc["incident"]["root_asset"] is None
    assert doc["incident"]["url"] == f"https://custode.example/status/c/{mirador.customer.status_token}/"
    assert doc["incident"]["opened_at"] == OPENED.isoformat() and doc["incident"]["severity"] == "major"
    assert doc["text"] == {"subject": hook.subject, "body": hook.body}
    flat = repr(doc)
    for word in ("VPS 01", "vps-01", "Bianchi", "Acme", "Outsider", "www.acme.example"):
        assert word not in flat


def test_a_staff_webhook_gets_the_whole_incident(world):
    hook = next(m for m in messages.incident_opened(world.incident) if m.channel == "webhook")
    assert hook.audience == "staff" and hook.recipient == "http://127.0.0.1:9/oncall"
    assert hook.payload["customer"] is None
    assert hook.payload["incident"]["root_asset"] == "vps-01"
    assert len(hook.payload["affected"]) == 6


def test_the_reminder_goes_to_the_owner_once_per_period(world):
    first = messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(minutes=31))
    assert [m.recipient_name for m in first] == ["Domenico Ferri"]
    assert "31 minuti" in first[0].subject and "entro 30 minuti" in first[0].body
    assert first[0].key == f"incident:{world.incident.pk}:reminder:1:staff:{world.owner.pk}:email:domenico@example.com"
    same = messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(minutes=45))
    later = messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(minutes=62))
    assert same[0].key == first[0].key and later[0].key != first[0].key
    unreachable = Incident.objects.get(pk=world.incident.pk)
    world.incident.owner = None
    world.incident.save()
    assert len(messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(minutes=31))) == 3
    world.owner.notify = []
    world.owner.save()
    world.owner.user.email = ""
    world.owner.user.save()
    to = [m.recipient_name for m in messages.incident_reminder(unreachable, now=OPENED + dt.timedelta(minutes=31))]
    assert to == ["Giulia Sala", "Giulia Sala"]


@pytest.mark.parametrize("phase", ["announce", "start", "end"])
def test_maintenance_is_told_to_each_affected_customer_in_their_language(world, phase):
    start = dt.datetime(2026, 12, 3, 21, 0, tzinfo=dt.UTC)                     # Thursday 22:00 in Rome
    window = MaintenanceWindow.objects.create(
        key="vps-upgrade", start=start, duration=5400, announce=True,
        title={"it": "Aggiornamento del server", "en": "Server upgrade"},
    )
    window.assets.add(world.vps)
    out = messages.maintenance_notice(window, phase=phase)
    assert {m.customer_id for m in out} == {p.customer.pk for p in world.people.values()}
    for language, p in world.people.items():
        [message] = for_customer(out, p.customer)
        assert message.language == language and message.topic == f"maintenance:{window.pk}"
        assert_clean(message)
        assert_only_their_own(message, world, language)
        assert ("Aggiornamento del server" if language == "it" else "Server upgrade") in message.subject
        assert ZONE[language] in message.body or phase == "end"
        assert message.key.startswith(f"maintenance:{window.pk}:{phase}:{start.isoformat()}:contact:")
    if phase == "announce":
        body = {m.language: m.body for m in out}
        assert "giovedì 3 dicembre, dalle 22:00 alle 23:30 (ora Italia)" in body["it"]
        assert "Thursday 3 December, from 22:00 to 23:30 (Italy Time)" in body["en"]
        assert "jueves 3 de diciembre, de las 22:00 a las 23:30 (hora de Italia)" in body["es"]


def test_maintenance_of_a_window_never_announced_tells_nobody(world):
    window = MaintenanceWindow.objects.create(key="quiet", title={"en": "x"}, start=OPENED, duration=60)
    window.assets.add(world.vps)
    assert messages.maintenance_notice(window, phase="start") == []
    with pytest.raises(ValueError, match="phase must be one of announce, start, end"):
        messages.maintenance_notice(window, phase="later")


def test_a_failed_message_alerts_staff_on_their_other_channels(world):
    failed = Message.objects.create(
        key="incident:1:opened:contact:9:email:maria@studiobianchi.example", topic=f"incident:{world.incident.pk}",
        audience="customer", customer=world.people["it"].customer, channel="email",
        recipient="maria@studiobianchi.example", recipient_name="Maria Bianchi", language="it",
        subject="www.studiobianchi.example non è raggiungibile", body="...", status="failed", attempts=12,
        last_error="550 mailbox unavailable", next_attempt_at=OPENED,
    )
    out = messages.delivery_failed(failed)
    assert len(out) == 3 and {m.audience for m in out} == {"staff"}
    italian = next(m for m in out if m.language == "it")
    assert "Maria Bianchi" in italian.body and "550 mailbox unavailable" in italian.body
    assert italian.key.startswith(f"failed:{failed.pk}:staff:")
    assert_clean(italian)


def test_a_failed_staff_alert_is_not_sent_again_to_where_it_failed_nor_alerted_about(world):
    failed = Message.objects.create(
        key="incident:1:opened:staff:2:apprise:tgram://123456:SECRET/42", audience="staff", channel="webhook",
        recipient="http://127.0.0.1:9/oncall", language="en", subject="s", body="b", status="failed",
        attempts=5, last_error="connection refused", next_attempt_at=OPENED, topic="incident:1",
    )
    out = messages.delivery_failed(failed)
    assert ("webhook", "http://127.0.0.1:9/oncall") not in {(m.channel, m.recipient) for m in out}
    assert len(out) == 2
    alert = Message.objects.create(key=out[0].key, audience="staff", channel="email", recipient="x@example.com",
                                   language="it", subject="s", body="b", next_attempt_at=OPENED)
    assert messages.delivery_failed(alert) == []


def test_links_are_relative_without_a_base_url(world, settings):
    settings.BASE_URL = ""
    body = for_customer(messages.incident_opened(world.incident), world.people["en"].customer)[0].body
    assert re.search(rf"^/status/c/{re.escape(world.people['en'].customer.status_token)}/$", body, re.M)


def test_the_messages_fit_the_outbox(world):
    from custode.notify.services import outbox_enqueue

    out = messages.incident_opened(world.incident)
    assert outbox_enqueue(messages=out) == len(out)
    assert outbox_enqueue(messages=messages.incident_opened(world.incident)) == 0


def test_every_message_renders_cleanly_in_every_shape(world):
    """No owner, a provider with only a phone, an outage across midnight: nothing left unrendered or empty."""
    world.provider.contact_email, world.provider.contact_url = "", None
    world.provider.save()
    world.incident.owner = None
    world.incident.save()
    world.other.language = "es"
    world.other.save()
    note = public_update(world.incident, None, public=False, message="nota")
    stock = public_update(world.incident, world.owner, template="monitoring")
    window = MaintenanceWindow.objects.create(key="night", title={"es": "Noche"}, start=OPENED, duration=86400,
                                              announce=True)
    window.assets.add(world.people["it"].assets[0])
    failed = Message.objects.create(key="k", audience="customer", channel="apprise", recipient="tgram://t:SECRET/1",
                                    language="it", subject="s", body="b", next_attempt_at=OPENED, attempts=3)
    out = messages.incident_opened(world.incident) + messages.incident_updated(world.incident, note)
    out += messages.incident_updated(world.incident, stock) + messages.delivery_failed(failed)
    out += messages.incident_reminder(world.incident, now=OPENED + dt.timedelta(hours=2))
    out += [m for phase in messages.PHASES for m in messages.maintenance_notice(window, phase=phase)]
    resolve(world.incident, at=OPENED + dt.timedelta(hours=15))
    closing = messages.incident_resolved(world.incident)
    out += closing
    assert {m.language for m in out} == {"it", "en", "es"}
    for m in out:
        assert_clean(m)
        assert "None" not in m.body and "SECRET" not in m.body and "\n\n\n" not in m.body
    italian = for_customer(closing, world.people["it"].customer)[0].body
    assert "da mercoledì 2 dicembre alle 10:42 a giovedì 3 dicembre alle 01:42 (ora Italia)" in italian
    assert "15 ore" in italian and "ci chiami pure al +39 0521 000000" in italian
    assert "Noche" in next(m.subject for m in out if m.topic.startswith("maint"))
