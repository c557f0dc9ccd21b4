"""Files people attach to a ticket's message, before they are kept: their limits and their names.

A message takes at most ``CUSTODE_PORTAL_MAX_FILES`` files (5) of at most ``CUSTODE_PORTAL_MAX_ATTACHMENT``
each (10MB). Both are checked before anything is written, so a refused file leaves no ticket and no message
behind. No database here: the settings read these limits at start-up.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from custode.lib.changes import Invalid
from custode.lib.env import SettingError
from custode.tickets.imap import parse_size

MAX_SIZE = 10 * 1024 * 1024  # bytes a file may have
MAX_FILES = 5  # files a message may carry
NAME_LENGTH = 200  # Attachment.name


class Sized(Protocol):
    """A file known by its name and size: an ``Upload``, or a Django ``UploadedFile`` not yet read."""

    name: str

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


class TooLarge(Invalid):
    """A file is larger than the limit; NAME is the file's, LIMIT in bytes."""

    def __init__(self, name: str, limit: int):
        super().__init__("files", f"{name!r} is larger than {limit} bytes, the most a file may have")
        self.name, self.limit = name, limit


class TooMany(Invalid):
    """More files than a message may carry."""

    def __init__(self, count: int, limit: int):
        super().__init__("files", f"{count} files attached; a message carries at most {limit}")
        self.count, self.limit = count, limit


def limits_from_env(environ: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """(largest file in bytes, most files per message) from CUSTODE_PORTAL_MAX_ATTACHMENT and
    CUSTODE_PORTAL_MAX_FILES; SettingError naming the variable when a value cannot be used."""
    size = environ.get("CUSTODE_PORTAL_MAX_ATTACHMENT", "").strip()
    largest = parse_size(size) if size else MAX_SIZE
    if not largest:
        raise SettingError(f"CUSTODE_PORTAL_MAX_ATTACHMENT={size!r}: must be a size like 500KB or 10MB")
    count = environ.get("CUSTODE_PORTAL_MAX_FILES", "").strip()
    most = int(count) if count.isdigit() else None if count else MAX_FILES
    if most is None:
        raise SettingError(f"CUSTODE_PORTAL_MAX_FILES={count!r}: must be a whole number (0: no files)")
    return largest, most


def uploads_check(files: Sequence[Sized], *, max_size: int, max_files: int) -> None:
    """TooMany or TooLarge (the first file over the limit), before anything is written or read."""
    if len(files) > max_files:
        raise TooMany(len(files), max_files)
    for upload in files:
        if upload.size > max_size:
            raise TooLarge(safe_name(upload.name or ""), max_size)


def safe_name(name: str) -> str:
    """NAME as a file is kept and offered again: no folders, no control characters, at most NAME_LENGTH
    characters with its extension kept; 'file' when nothing is left."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot and stem else ""
        name = name[: NAME_LENGTH - len(extension) - 1].rstrip() + ("." + extension if extension else "")
    return name or "file"
