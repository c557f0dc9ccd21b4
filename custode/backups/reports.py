"""The bodies a job POSTs to its report URLs (DESIGN.md, "Backups"), and how a bad one is refused.

``parse`` turns a body into its report or a ``BadReport`` naming the field and what is wrong with it, so the
view answers 4xx with that and stores nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal, TypeVar

from pydantic import AwareDatetime, Field, ValidationError

from custode.lib.messages import friendly
from custode.lib.types import Spec

MAX_BODY = 64 * 1024  # a report is a few hundred bytes; a restore test's evidence a few kB
MAX_TEXT = 200


class FinishReport(Spec):
    status: Literal["ok", "failed"]
    bytes: int | None = Field(default=None, ge=0)
    files: int | None = Field(default=None, ge=0)
    duration_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    snapshot: str = Field(default="", max_length=MAX_TEXT)
    tool: str = Field(default="", max_length=40)


class ReplicaReport(Spec):
    snapshot: str = Field(default="", max_length=MAX_TEXT)
    at: AwareDatetime | None = None  # when the replicated snapshot was taken; now when not given


class RestoreTestReport(Spec):
    result: Literal["ok", "failed"]
    files_checked: int | None = Field(default=None, ge=0)
    bytes: int | None = Field(default=None, ge=0)
    duration_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    evidence: str = Field(default="", max_length=32 * 1024)


class BadReport(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


R = TypeVar("R", bound=Spec)


def parse(body: bytes, model: type[R]) -> R:
    """BODY as MODEL's report; ``BadReport`` naming every field at fault otherwise."""
    if len(body) > MAX_BODY:
        raise too_large(None)
    if b"\x00" in body or b"\\u0000" in body:
        raise BadReport("the body contains a NUL character (\\u0000), which no field accepts")
    try:
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError) as e:
        raise BadReport(f"the body is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise BadReport(f"the body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        fields = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {_said(err)}" for err in e.errors())
        raise BadReport(fields) from None


def _said(error: dict) -> str:
    said = friendly(error)
    return "must " + said.removeprefix("Input should ") if said.startswith("Input should ") else said


def too_large(size: int | None) -> BadReport:
    said = f"{size} bytes" if size is not None else f"more than {MAX_BODY} bytes"
    return BadReport(f"the body is {said}; a report is at most {MAX_BODY} bytes", status=413)


def future(at: dt.datetime | None, now: dt.datetime) -> bool:
    return at is not None and at > now + dt.timedelta(minutes=5)
