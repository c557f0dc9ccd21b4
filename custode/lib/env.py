"""Reading settings from the environment, refusing values that cannot be meant.

A typo such as ``CUSTODE_DEBUG=ture`` must stop the program with a message, not
silently turn into a default.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit


class SettingError(Exception):
    """An environment variable holds a value Custode cannot use."""


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{name}={value!r}: must be true or false")


def env_secret(name: str) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return None


def secret_key(data_dir: Path) -> str:
    """CUSTODE_SECRET_KEY, or a key generated once into the data dir and kept there."""
    key = env_secret("CUSTODE_SECRET_KEY")
    if key:
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def database(url: str | None, data_dir: Path) -> dict:
    """A Django DATABASES entry from CUSTODE_DATABASE_URL, SQLite in the data dir when unset."""
    if not url:
        return sqlite(data_dir / "custode.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return sqlite(Path(unquote(parts.path)))
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "custode",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # Lets several test runs share one server (each names its own throw-away database).
            "TEST": {"NAME": os.environ.get("CUSTODE_TEST_DATABASE_NAME") or None},
        }
    raise SettingError(
        f"CUSTODE_DATABASE_URL={url!r}: scheme must be postgresql:// or sqlite:///"
    )


# UPDATE ... FROM (3.33) and RETURNING (3.35) write a batch of results, pings or state changes in one statement.
SQLITE_NEEDED = (3, 35, 0)


def sqlite(path: Path, version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> dict:
    """SQLite in WAL mode so the web process reads while the engine writes."""
    if version < SQLITE_NEEDED:
        raise SettingError(
            f"SQLite {'.'.join(map(str, version))} is too old: Custode needs {'.'.join(map(str, SQLITE_NEEDED))} "
            "or later (use a Python built with a newer SQLite, or PostgreSQL through CUSTODE_DATABASE_URL)")
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Kept open: a SQLite connection is a file handle, and reopening one parses the schema again and starts
        # with a cold page cache (the engine's writer and the notifier's steps reopened theirs every second).
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
        # A file, not Django's shared in-memory database: the engine's and the ping writer's threads
        # then wait on WAL locks with the busy timeout instead of failing with "table is locked".
        "TEST": {"NAME": str(path.parent / f"test-{path.stem}.sqlite3")},
    }


def base_url(value: str) -> str:
    """CUSTODE_BASE_URL without its trailing slash: empty, or the http(s) address people reach Custode at."""
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingError(f"CUSTODE_BASE_URL={value!r}: must be the address people reach Custode at, "
                           "like https://status.example.com")
    return value.rstrip("/")


def choice(name: str, value: str, options: tuple[str, ...]) -> str:
    """VALUE of the setting NAME when it is one of OPTIONS."""
    if value not in options:
        raise SettingError(f"{name}={value!r}: must be one of {', '.join(options)}")
    return value


def allowed_hosts(base: str, listen_host: str) -> list[str]:
    """The Host headers Custode answers: CUSTODE_BASE_URL's host and loopback names; any when it is unset.

    Unset, links follow the host a request names (a trial on one machine); set, another Host is refused,
    so nobody can make pages or links on a name of their choosing.
    """
    if not base:
        return ["*"]
    hosts = {urlsplit(base).hostname, "localhost", "127.0.0.1", "[::1]"}
    if listen_host not in ("0.0.0.0", "::", ""):
        hosts.add(f"[{listen_host}]" if ":" in listen_host else listen_host)
    return sorted(hosts)


def listen(value: str) -> tuple[str, int]:
    """CUSTODE_LISTEN as (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingError(f"CUSTODE_LISTEN={value!r}: must be host:port, like 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port)


def redacted_url(url: str) -> str:
    """URL with its password masked, fit for logs and error messages (CUSTODE_SMTP_URL, CUSTODE_IMAP_URL)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
