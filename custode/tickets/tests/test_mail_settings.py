"""CUSTODE_IMAP_URL and its companions: a value that cannot be meant stops Custode with one line naming it."""

from __future__ import annotations

import pytest

from custode.lib.env import SettingError
from custode.tickets.imap import ImapMailbox, parse_url, settings_from_env


def test_an_imaps_url_names_user_password_host_port_and_folder_percent_decoded():
    assert parse_url("imaps://desk%40acme.example:p%40ss@mail.acme.example/Support%20desk") == ImapMailbox(
        host="mail.acme.example", port=993, tls=True, user="desk@acme.example", password="p@ss", folder="Support desk")
    assert parse_url("imap://u:p@127.0.0.1:1143").port == 1143 and parse_url("imap://u:p@h").folder == "INBOX"


@pytest.mark.parametrize("url, error", [
    ("pop3://u:p@mail.example/INBOX", "must start with imap:// or imaps://"),
    ("imaps://u:p@mail.example:99999/INBOX", "the port must be a number from 1 to 65535"),
    ("imaps://mail.example/INBOX", "names no user and password"),
    ("imaps://u:p@/INBOX", "names no host"),
    ("imaps://u:p@mail.example/INBOX?idle=1", "takes no options"),
])
def test_a_malformed_imap_url_is_one_line_naming_the_setting_without_the_password(url, error):
    with pytest.raises(SettingError) as caught:
        settings_from_env({"CUSTODE_IMAP_URL": url})
    message = str(caught.value)
    assert message.startswith("CUSTODE_IMAP_URL=") and error in message and "\n" not in message
    assert ":p@" not in message


def test_the_poll_interval_and_attachment_limit_have_defaults_and_refuse_nonsense():
    assert settings_from_env({}) == settings_from_env({"CUSTODE_IMAP_URL": ""})
    chosen = settings_from_env({"CUSTODE_IMAP_EVERY": "2m", "CUSTODE_MAIL_MAX_ATTACHMENT": "500KB"})
    assert (chosen.every, chosen.max_attachment) == (120, 500 * 1024)
    with pytest.raises(SettingError, match="CUSTODE_IMAP_EVERY='0s': must be a duration of a second or more"):
        settings_from_env({"CUSTODE_IMAP_EVERY": "0s"})
    with pytest.raises(SettingError, match="CUSTODE_MAIL_MAX_ATTACHMENT='lots': must be a size like"):
        settings_from_env({"CUSTODE_MAIL_MAX_ATTACHMENT": "lots"})
