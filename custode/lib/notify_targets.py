"""Where a person is told: the word ``email`` (their own address) or an Apprise URL."""

from __future__ import annotations

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
