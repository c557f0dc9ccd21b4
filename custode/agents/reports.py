"""What an agent POSTs every minute, and how a bad report is refused (DESIGN.md, "Agent").

``parse`` turns a body into a ``Report`` or a ``BadReport`` naming what is wrong, so the view answers 4xx with
that and stores nothing. Unknown keys are ignored, not refused: agents are updated on customers' machines at
their own pace, and a newer agent's extra numbers must not silence it on an older server.

A report carries two times: ``at``, when it was measured, and ``sent_at``, the agent's clock when it was sent.
Only ``sent_at`` is held to the server's clock (``MAX_SKEW``): a report buffered while the server was away is
hours old when it arrives, and is still good; a machine whose clock is wrong sends numbers at the wrong times.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from custode.backups.reports import BadReport
from custode.lib import durations
from custode.lib.messages import friendly

MAX_BODY = 256 * 1024  # a report with a hundred disks is about 30 kB
MAX_SKEW = dt.timedelta(minutes=5)

Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
Text = Annotated[str, Field(max_length=500)]


class Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Memory(Part):
    total: Count
    available: Count
    percent: Percent


class Swap(Part):
    total: Count
    used: Count
    percent: Percent


class Disk(Part):
    mount: Text
    device: Text = ""
    fstype: Annotated[str, Field(max_length=40)] = ""
    size: Count
    used: Count
    percent: Percent
    inodes: Count | None = None
    inodes_used: Count | None = None


UpdateCount = Annotated[int, Field(ge=0, le=1_000_000)]  # a machine has thousands of packages; kept in integer columns


class Updates(Part):
    pending: UpdateCount
    security: UpdateCount
    manager: Annotated[str, Field(max_length=20)] = ""  # apt or dnf
    last_upgrade: AwareDatetime | None = None


class Report(Part):
    at: AwareDatetime
    sent_at: AwareDatetime
    load: Annotated[list[Annotated[float, Field(ge=0, allow_inf_nan=False)]], Field(min_length=3, max_length=3)]
    cpu_count: Annotated[int, Field(ge=1)]
    cpu_percent: Percent | None = None
    memory: Memory
    swap: Swap | None = None
    disks: Annotated[list[Disk], Field(max_length=200)] = []
    uptime_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    updates: Updates | None = None
    services: Annotated[dict[Text, bool], Field(max_length=200)] = {}
    network: dict[Text, dict[str, Count]] = {}
    inventory: dict[str, Any] = {}

    def disk_percent(self) -> float | None:
        """The fullest disk's percent used."""
        return max((disk.percent for disk in self.disks), default=None)


def parse(body: bytes, now: dt.datetime) -> Report:
    """BODY as a report sent NOW by the server's clock; ``BadReport`` naming every field at fault otherwise."""
    if len(body) > MAX_BODY:
        raise too_large(None)
    if b"\x00" in body or b"\\u0000" in body:
        raise BadReport("the body contains a NUL character (\\u0000), which no field accepts")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadReport(f"the body is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise BadReport(f"the body must be a JSON object, not {type(data).__name__}")
    try:
        report = Report.model_validate(data)
    except ValidationError as e:
        raise BadReport("; ".join(f"{'.'.join(map(str, err['loc'])) or 'body'}: {friendly(err)}"
                                  for err in e.errors())) from None
    _check_times(report, now)
    return report


def _check_times(report: Report, now: dt.datetime) -> None:
    skew = report.sent_at - now
    if abs(skew) > MAX_SKEW:
        side = "ahead of" if skew > dt.timedelta(0) else "behind"
        raise BadReport(f"sent_at: the agent's clock is {durations.format(round(abs(skew).total_seconds()))} {side} "
                        f"the server's (at most {durations.format(MAX_SKEW.total_seconds())} either way): set the "
                        "machine's clock, e.g. with NTP")
    if report.at > report.sent_at + dt.timedelta(seconds=1):
        raise BadReport(f"at: {report.at.isoformat()} is after sent_at {report.sent_at.isoformat()}")


def too_large(size: int | None) -> BadReport:
    said = f"{size} bytes" if size is not None else f"more than {MAX_BODY} bytes"
    return BadReport(f"the body is {said}; a report is at most {MAX_BODY} bytes", status=413)
