"""The typed shape of a backup job: when it should report in and what makes it suspicious."""

from __future__ import annotations

from croniter import croniter
from pydantic import Field, field_validator

from custode.lib.types import Duration, Key, Spec


class BackupSpec(Spec):
    id: Key
    schedule: str
    grace: Duration = 3600
    min_size_ratio: float | None = Field(default=None, gt=0, le=1)
    replica_within: Duration | None = None
    restore_test_every: Duration | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not croniter.is_valid(value) or len(value.split()) != 5:
            raise ValueError('must be a cron expression of five fields, like "0 2 * * *"')
        return value
