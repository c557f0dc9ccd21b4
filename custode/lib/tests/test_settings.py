"""Settings refuse values that cannot be meant, and the schema matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from custode.lib import durations, env


@pytest.mark.parametrize("value", ["ture", "2", "yes please"])
def test_a_boolean_setting_refuses_anything_but_true_or_false(monkeypatch, value):
    monkeypatch.setenv("CUSTODE_DEBUG", value)
    with pytest.raises(env.SettingError, match="CUSTODE_DEBUG"):
        env.env_bool("CUSTODE_DEBUG")


def test_listen_address_must_be_host_and_port():
    assert env.listen("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert env.listen("[::1]:8000") == ("::1", 8000)
    for bad in ("8000", "localhost:http", "host:70000"):
        with pytest.raises(env.SettingError, match="CUSTODE_LISTEN"):
            env.listen(bad)


def test_base_url_must_be_an_http_address_and_loses_its_trailing_slash():
    assert env.base_url("https://status.example.com/") == "https://status.example.com"
    assert env.base_url("") == ""
    for bad in ("status.example.com", "ftp://status.example.com", "https://", "https://x.example/?a=1"):
        with pytest.raises(env.SettingError, match="CUSTODE_BASE_URL"):
            env.base_url(bad)


def test_an_unknown_subscriber_webhooks_value_names_the_setting_and_the_choices():
    assert env.choice("CUSTODE_SUBSCRIBER_WEBHOOKS", "any", ("public", "any", "off")) == "any"
    with pytest.raises(env.SettingError, match="CUSTODE_SUBSCRIBER_WEBHOOKS='Public': must be one of public, any, off"):
        env.choice("CUSTODE_SUBSCRIBER_WEBHOOKS", "Public", ("public", "any", "off"))


def test_with_a_base_url_only_its_host_and_loopback_are_answered():
    assert env.allowed_hosts("", "127.0.0.1") == ["*"]
    assert env.allowed_hosts("https://status.example.com", "0.0.0.0") == [
        "127.0.0.1", "[::1]", "localhost", "status.example.com"]
    assert "10.0.0.5" in env.allowed_hosts("https://status.example.com", "10.0.0.5")


@pytest.mark.parametrize(("name", "value"), [("CUSTODE_BASE_URL", "status.example.com"),
                                           ("CUSTODE_SUBSCRIBER_WEBHOOKS", "yes")])
def test_a_command_with_a_setting_that_cannot_be_right_stops_with_one_line_naming_it(tmp_path, name, value):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODE_")}
    environment.update(CUSTODE_DATA_DIR=str(tmp_path), **{name: value})
    done = subprocess.run([sys.executable, "-m", "custode", "migrate"], env=environment, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"custode: {name}={value!r}: must ")
    assert not (tmp_path / "custode.sqlite3").exists()


def test_database_url_picks_postgresql_or_sqlite_and_refuses_others(tmp_path):
    pg = env.database("postgresql://custode:s%40cret@db.example:5433/custode", tmp_path)
    assert (pg["ENGINE"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql", "custode", "s@cret", "db.example", "5433", "custode")
    assert env.database(None, tmp_path)["NAME"] == str(tmp_path / "custode.sqlite3")
    with pytest.raises(env.SettingError, match="postgresql:// or sqlite:///"):
        env.database("mysql://root@localhost/custode", tmp_path)


def test_an_sqlite_without_update_from_and_returning_is_refused_before_anything_is_created(tmp_path):
    with pytest.raises(env.SettingError, match=r"SQLite 3\.31\.1 is too old: Custode needs 3\.35\.0 or later"):
        env.sqlite(tmp_path / "data" / "custode.sqlite3", version=(3, 31, 1))
    assert not (tmp_path / "data").exists()
    assert env.sqlite(tmp_path / "data" / "custode.sqlite3", version=(3, 35, 0))["NAME"].endswith("custode.sqlite3")


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CUSTODE_SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) > 40 and env.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("seconds", "text"), [(30, "30s"), (60, "1m"), (5400, "90m"), (86400, "1d"), (0.5, "500ms")])
def test_durations_are_written_back_in_their_shortest_exact_form(seconds, text):
    assert durations.format(seconds) == text
    assert durations.parse(text) == seconds


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.parametrize(("name", "value"), [("CUSTODE_RESULTS_RETENTION", "two weeks"),
                                             ("CUSTODE_RESULTS_SAMPLE", "often"),
                                             ("CUSTODE_ENGINE_CONCURRENCY", "lots")])
def test_engine_settings_refuse_values_that_cannot_be_meant(monkeypatch, name, value):
    from custode.engine.main import settings_from_env

    monkeypatch.setenv(name, value)
    with pytest.raises(env.SettingError, match=name):
        settings_from_env()


def test_raw_results_are_sampled_every_10_minutes_unless_told_otherwise_and_0_keeps_them_all(monkeypatch):
    from custode.engine.main import settings_from_env

    monkeypatch.delenv("CUSTODE_RESULTS_SAMPLE", raising=False)
    assert settings_from_env()["sample"] == 600
    monkeypatch.setenv("CUSTODE_RESULTS_SAMPLE", "1h")
    assert settings_from_env()["sample"] == 3600
    monkeypatch.setenv("CUSTODE_RESULTS_SAMPLE", "0")
    assert settings_from_env()["sample"] == 0
