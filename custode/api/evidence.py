"""/api/v1/customers/<id>/backups/evidence: every run, replica, restore test and sign-off of a customer's backup
jobs over a period (``custode.backups.evidence``). A token limited to one customer reads its own customer's."""

from __future__ import annotations

import datetime as dt
from typing import List, Literal, Optional

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from custode.api import scope
from custode.api.backups import ReplicaOut, RestoreTestOut, RunOut
from custode.api.errors import InvalidQuery, Router
from custode.backups import evidence as backups_evidence
from custode.directory.services import customer_get
from custode.lib.changes import Invalid

evidence = Router(tags=["backups"])


class PeriodQuery(Schema):
    from_: Optional[str] = Field(default=None, alias="from",
                                 description="YYYY-MM-DD, the first day (provider's timezone); default 29 days before `to`")
    to: Optional[str] = Field(default=None, description="YYYY-MM-DD, the last day, included; default today")


class SignOffOut(Schema):
    at: dt.datetime
    by: str
    state: Literal["missed", "failed", "shrunk", "stale_replica", "restore_overdue", "unknown"]
    reasons: List[str]
    note: str
    minutes: Optional[int]


class JobEvidenceOut(Schema):
    id: str
    asset: str
    asset_name: str
    schedule: str
    runs: List[RunOut]
    replicas: List[ReplicaOut]
    restore_tests: List[RestoreTestOut]
    signoffs: List[SignOffOut]


class EvidenceOut(Schema):
    customer: str
    name: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    timezone: str
    jobs: List[JobEvidenceOut]


@evidence.get("/{key}/backups/evidence", response={200: EvidenceOut}, by_alias=True,
              operation_id="customers_backup_evidence", summary="A customer's backup evidence for a period",
              description="Each of the customer's backup jobs with every run (by when it finished), replica (by "
              "when it was reported), restore test and technician's sign-off from `from` to `to` (whole days in "
              "the provider's timezone, at most 366), newest first. 422 names a bad `from` or `to`.")
def backup_evidence(request: HttpRequest, key: str, query: Query[PeriodQuery]):
    customer = customer_get(key)
    scope.require(request, customer.pk, "customer", key)
    try:
        first, last = backups_evidence.period(query.from_, query.to)
    except Invalid as e:
        raise InvalidQuery(e.field, e.message) from None
    return backups_evidence.evidence(customer, first, last)
