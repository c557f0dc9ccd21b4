"""The staff pages of backups: the daily round with its sign-off form, and a customer's printable evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custode.backups.models import BackupJob, BackupSignOff
from custode.backups.reports import FinishReport
from custode.backups.services import backup_finish, backup_save
from custode.backups.specs import BackupSpec
from custode.testing import factories
from custode.tickets.models import Ticket, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(db):
    factories.provider(timezone="Europe/Rome")
    bianchi = factories.customer("bianchi", name="Studio Bianchi", plan=factories.plan("care", monthly_hours=5))
    factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS ufficio")
    for key in ("bianchi-files", "bianchi-mail", "bianchi-db"):
        backup_save(asset="bianchi-nas", spec=BackupSpec(id=key, schedule="0 2 * * *"))
    backup_finish(job=BackupJob.objects.get(key="bianchi-mail"), report=FinishReport(status="ok"))
    backup_finish(job=BackupJob.objects.get(key="bianchi-files"), report=FinishReport(status="failed"))
    # bianchi-db has reported nothing: unknown, amber


def sign_off(client, key: str, **data):
    return client.post(reverse("backup-signoff", args=[key]), data)


def test_the_round_shows_every_job_worst_first_with_its_reasons(staff_client, jobs):
    html = staff_client.get(reverse("backups")).content.decode()
    assert html.index('id="job-bianchi-files"') < html.index('id="job-bianchi-db"') < html.index('id="job-bianchi-mail"')
    assert 'class="backup-job colour-red"' in html and "failed: the job reported a failure" in html
    assert "Studio Bianchi" in html and "NAS ufficio" in html
    assert html.count('class="signoff-form"') == 2  # red and amber, not green


def test_the_round_gives_each_job_its_report_url_to_copy_into_the_backup_script(staff_client, jobs, settings):
    settings.BASE_URL = "https://custode.example"
    html = staff_client.get(reverse("backups")).content.decode()
    for job in BackupJob.objects.all():
        assert f'value="https://custode.example/backup/{job.token}" aria-label="Report URL"' in html


def test_a_sign_off_is_recorded_with_person_and_time_and_shown_on_the_round(staff_client, tech, jobs):
    response = sign_off(staff_client, "bianchi-files", note="checked, NAS disk replaced", minutes="30")
    assert response.status_code == 302 and response["Location"] == "/backups/#job-bianchi-files"
    signed = BackupSignOff.objects.get()
    assert (signed.user, signed.state, signed.minutes) == (tech, "failed", 30)
    assert TimeEntry.objects.get().minutes == 30 and Ticket.objects.get().customer.key == "bianchi"
    html = staff_client.get(reverse("backups")).content.decode()
    assert "Signed off by Tech," in html and "checked, NAS disk replaced" in html


@pytest.mark.parametrize(("data", "said"), [
    ({"note": ""}, "What was checked or done: This field is required."),
    ({"note": "ok", "minutes": "-5"}, "Minutes spent: Ensure this value is greater than or equal to 1."),
    ({"note": "ok", "minutes": "half an hour"}, "Minutes spent: Enter a whole number."),
])
def test_a_bad_sign_off_is_400_naming_the_field_and_stores_nothing(staff_client, jobs, data, said):
    response = sign_off(staff_client, "bianchi-files", **data)
    assert response.status_code == 400 and said in response.content.decode()
    assert not BackupSignOff.objects.exists() and not TimeEntry.objects.exists()


def test_signing_off_an_unknown_job_is_404_naming_it(staff_client, jobs):
    response = sign_off(staff_client, "no-such-job", note="ok")
    assert response.status_code == 404 and "there is no backup job no-such-job" in response.content.decode()
    assert not BackupSignOff.objects.exists()


def test_a_green_job_is_not_signed_off(staff_client, jobs):
    response = sign_off(staff_client, "bianchi-mail", note="fine")
    assert response.status_code == 400 and "is ok now" in response.content.decode()
    assert not BackupSignOff.objects.exists()


def test_only_staff_see_the_round(client, jobs):
    assert client.get(reverse("backups")).status_code == 302  # to the login
    assert sign_off(client, "bianchi-files", note="x").status_code == 302
    assert not BackupSignOff.objects.exists()


def test_the_evidence_page_prints_a_customers_period(staff_client, jobs):
    sign_off(staff_client, "bianchi-files", note="re-run by hand")
    html = staff_client.get(reverse("backup-evidence"), {"customer": "bianchi"}).content.decode()
    assert "Backup evidence: Studio Bianchi" in html and "web/backups.css" in html
    assert html.count('class="run"') == 2 and "re-run by hand" in html
    assert 'class="filters no-print"' in html


@pytest.mark.parametrize(("query", "status", "said"), [
    ({"customer": "nobody"}, 404, "There is no customer nobody."),
    ({"customer": "bianchi", "from": "2026-02-30"}, 400, "from: &#x27;2026-02-30&#x27; is not a date"),
    ({"customer": "bianchi", "from": "2026-11-10", "to": "2026-11-01"}, 400, "from: 2026-11-10 is after to"),
])
def test_bad_evidence_input_is_4xx_naming_it(staff_client, jobs, query, status, said):
    response = staff_client.get(reverse("backup-evidence"), query)
    assert response.status_code == status and said in response.content.decode()


@pytest.mark.parametrize(("language", "heading", "button"), [("it", "Backup", "Firma"), ("es", "Copias de seguridad", "Firmar")])
def test_the_round_speaks_the_technicians_language(client, jobs, language, heading, button):
    client.force_login(factories.staff(language=language))
    html = client.get(reverse("backups")).content.decode()
    assert f"<h1>{heading}</h1>" in html and f'class="button-small">{button}</button>' in html
