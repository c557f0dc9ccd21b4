"""The agent's config file (TOML, ``--config``): where the server is, the device's credential, what to watch.

``enroll`` writes it with mode 0600: the credential lets anyone holding it report as this machine. It is a flat
table of strings, numbers and lists of strings; read with ``tomllib`` where Python has it (3.11+), else by
this module's few lines, which read what ``save`` writes (values are JSON, which TOML accepts for these).
"""

from __future__ import annotations

import json
import os
from typing import Any

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


class ConfigError(Exception):
    pass


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist: enrol first with custode-agent enroll --server URL --token T "
                          f"--config {path}") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    try:
        values = tomllib.loads(data.decode()) if tomllib else _parse(data.decode())
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    for key in ("server", "asset", "credential"):
        if not isinstance(values.get(key), str) or not values[key]:
            raise ConfigError(f"{path}: {key} is missing: enrol again with custode-agent enroll")
    return values


def _parse(text: str) -> dict[str, Any]:
    values = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"line {n}: expected key = value")
        values[key.strip()] = json.loads(value.strip())
    return values


def save(path: str, values: dict[str, Any]) -> None:
    """Write VALUES to PATH readable by its owner only, replacing it whole (never a half-written credential)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    text = "# custode-agent: written by custode-agent enroll; keep it private (it holds the device's credential)\n"
    text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    temporary = f"{path}.tmp{os.getpid()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def spool_dir(path: str, values: dict[str, Any]) -> str:
    """Where reports wait while the server is away: ``spool`` in the config, else beside it."""
    return values.get("spool") or os.path.join(os.path.dirname(os.path.abspath(path)), "spool")
