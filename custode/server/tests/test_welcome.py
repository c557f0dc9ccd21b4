"""The block `custode up` prints: the address to open, how to log in, where the data is."""

from __future__ import annotations

import io

from rich.console import Console

from custode.server.welcome import print_welcome


def welcome(**options) -> str:
    out = io.StringIO()
    print_welcome(pids={"web": 10, "engine": 11}, console=Console(file=out, highlight=False, soft_wrap=True),
                  **options)
    return out.getvalue()


def test_it_names_the_base_url_when_one_is_set(settings):
    settings.BASE_URL = "https://custode.example.net"
    assert "Custode is running at https://custode.example.net/" in welcome()


def test_it_names_a_loopback_url_when_listening_on_every_address(settings):
    settings.BASE_URL = ""
    settings.LISTEN = ("0.0.0.0", 8123)
    assert "Custode is running at http://127.0.0.1:8123/" in welcome()


def test_a_long_password_and_data_path_stay_on_one_line_each(settings):
    settings.DATA_DIR = "/srv/" + "very-long-folder-name/" * 6 + "data"
    text = welcome(username="admin", password="x" * 40)
    assert f"Data       {settings.DATA_DIR}\n" in text
    assert "Password   " + "x" * 40 + "   (shown only this once" in text
