"""Where a person is told: the word ``email`` (their own address) or an Apprise URL."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)


def _target(value: Any) -> str:
    if isinstance(value, str) and (value == "email" or _URL.match(value)):
        return value
    raise PydanticCustomError(
        "notify", "must be 'email' or an Apprise URL like mailto://ops@example.com or json://host/path", {}
    )


NotifyTarget = Annotated[str, BeforeValidator(_target)]


def env_problem(name: str) -> str | None:
    """Why the variable NAME (of a ``notify_env``) gives no target, or None; never its value, a secret."""
    value = os.environ.get(name)
    if value is None:
        return f"environment variable {name} is not set"
    try:
        _target(value.strip())
    except PydanticCustomError:
        return f"environment variable {name} must hold 'email' or an Apprise URL like tgram://bottoken/chatid"
    return None


def from_env(names: list[str]) -> tuple[list[str], list[str]]:
    """The targets the variables NAMES hold, and the names that hold none (see ``env_problem``)."""
    targets, missing = [], []
    for name in names:
        if env_problem(name):
            missing.append(name)
        else:
            targets.append(os.environ[name].strip())
    return targets, missing


_PATH_IS_SECRET = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})  # generic webhooks: /hooks/<secret>


def redacted(target: str) -> str:
    """TARGET as a reader without the right to change it may see it: bot tokens, webhook keys and passwords
    masked by Apprise's own privacy rendering, a generic webhook's path hidden, and no query string."""
    if target == "email":
        return target
    import apprise  # the API's read-only answers only; the rest of Custode never needs it here

    plugin = apprise.Apprise.instantiate(target)
    if plugin is None:  # a subscriber's https:// webhook, or a URL Apprise does not know: its host only
        scheme, _, rest = target.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        return f"{scheme}://{host}/…" if host else f"{scheme}://…"
    shown = plugin.url(privacy=True).split("?", 1)[0]
    scheme, _, rest = shown.partition("://")
    if scheme.lower() in _PATH_IS_SECRET and "/" in rest.rstrip("/"):
        shown = f"{scheme}://{rest.split('/', 1)[0]}/…"
    return shown
