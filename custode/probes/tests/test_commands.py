"""`custode probes add|list|revoke`: the token printed once and kept as a hash; bad names and duplicates are
refused with the reason and a non-zero exit, changing nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from custode.accounts.models import token_hash
from custode.cli import main
from custode.probes.models import Probe
from custode.probes.services import probe_authenticate

pytestmark = pytest.mark.django_db


def probes(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("probes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_prints_the_token_once_and_keeps_only_its_hash():
    out, err = probes("add", "milan")
    token = out.strip()
    probe = Probe.objects.get()
    assert probe.name == "milan" and probe.digest == token_hash(token) and token not in str(probe.__dict__)
    assert "will not be shown again" in err and f"--token {token} --location milan" in err
    assert probe_authenticate(token) == probe


@pytest.mark.parametrize("name, reason", [
    ("Milan", "must be a location name"), ("mi lan", "must be a location name"), ("", "must be a location name"),
    ("local", "'local' is the location of the server's own engines"),
])
def test_a_bad_name_is_refused_with_the_reason(name, reason):
    with pytest.raises(CommandError, match=reason):
        probes("add", name)
    assert not Probe.objects.exists()


def test_a_second_probe_of_a_location_is_refused_and_the_first_keeps_its_token():
    token = probes("add", "milan")[0].strip()
    with pytest.raises(CommandError, match="probe 'milan' already exists; `custode probes revoke milan` first"):
        probes("add", "milan")
    assert probe_authenticate(token) is not None


def test_a_refused_add_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["probes", "add", "Not A Name"])
    assert exited.value.code != 0
    assert "must be a location name" in capsys.readouterr().err


def test_revoke_refuses_the_token_and_adding_again_gives_a_new_one():
    old = probes("add", "milan")[0].strip()
    assert "probe 'milan' revoked" in probes("revoke", "milan")[0]
    assert probe_authenticate(old) is None
    new = probes("add", "milan")[0].strip()
    assert new != old and probe_authenticate(new) is not None and probe_authenticate(old) is None


def test_revoking_an_unknown_probe_is_refused():
    with pytest.raises(CommandError, match="no probe 'rome'"):
        probes("revoke", "rome")


def test_list_shows_each_probe_with_its_state():
    assert "no probes" in probes("list")[0]
    probes("add", "milan")
    probes("add", "rome")
    probes("revoke", "rome")
    lines = probes("list")[0].splitlines()
    assert lines[0].startswith("milan\tactive\tlast seen never") and lines[1].startswith("rome\trevoked ")
