"""The block `custode up` prints once the web server answers: where to go, how to log in, where data lives."""

from __future__ import annotations

import os

from django.conf import settings
from rich.console import Console


def url() -> str:
    if settings.BASE_URL:
        return settings.BASE_URL + "/"
    host, port = settings.LISTEN
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def database() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    where = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"PostgreSQL database {db['NAME']!r} on {where}"


def login_lines(username: str | None, password: str | None) -> list[str]:
    if password:
        return [f"[bold]Log in as[/]  {username}",
                f"[bold]Password[/]   {password}   (shown only this once; change it after logging in)"]
    return ["[bold]Log in[/]     as an existing administrator, or run `custode createadmin` to reset a password"]


def print_welcome(*, pids: dict[str, int], username: str | None = None, password: str | None = None,
                  console: Console | None = None) -> None:
    """Plain text when piped: rich drops colours and styles when stdout is not a terminal."""
    console = console or Console(highlight=False, soft_wrap=True)
    lines = [f"[bold]Custode is running at[/] [bold cyan]{url()}[/]", "",
             *login_lines(username, password),
             f"[bold]Data[/]       {settings.DATA_DIR}",
             f"[bold]Database[/]   {database()}",
             f"[bold]Processes[/]  {', '.join(f'{name} pid {pid}' for name, pid in pids.items())}",
             f"[bold]Stop[/]       press Ctrl-C, or `kill {os.getpid()}` (SIGTERM)"]
    console.rule("Custode")
    for line in lines:
        console.print(line)
    console.rule()
