"""How the API answers errors: a status and a body that names the field at fault."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError

from custode.api.auth import ReadOnlyToken
from custode.api.scope import OutOfScope
from custode.lib.changes import InUse, Invalid, NotFound
from custode.lib.messages import friendly
from custode.monitors.specs import MONITOR_TYPES


class Conflict(Exception):
    """The request is fine but the object's state refuses it (409), e.g. an update to a resolved incident."""


class AlreadyExists(Conflict):
    pass


class InvalidQuery(Invalid):
    """A query parameter with a value that is not one of the known ones (422, loc ["query", name])."""


def field_errors(errors: list[dict[str, Any]], prefix: tuple = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as {loc, msg, type}, the loc starting at the request part ("body", "query")."""
    return [{"loc": [*prefix, *e["loc"]], "msg": friendly(e), "type": e["type"]} for e in errors]


def install(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, status: int, detail: Any):
        return api.create_response(request, {"detail": detail}, status=status)

    @api.exception_handler(NinjaValidationError)
    def _ninja_validation(request, exc):
        errors = [{"loc": _field_path(list(e["loc"])), "msg": friendly(e), "type": e["type"]} for e in exc.errors]
        return answer(request, 422, errors)

    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        errors = field_errors(exc.errors(include_url=False), prefix=("body", "payload"))
        return answer(request, 422, [{**e, "loc": _field_path(e["loc"])} for e in errors])

    @api.exception_handler(Invalid)
    def _invalid(request, exc):
        loc = ["body", *[int(p) if p.isdigit() else p for p in exc.field.replace("]", "").replace("[", ".").split(".")]]
        return answer(request, 422, [{"loc": loc, "msg": exc.message, "type": "invalid"}])

    @api.exception_handler(InvalidQuery)
    def _invalid_query(request, exc):
        return answer(request, 422, [{"loc": ["query", exc.field], "msg": exc.message, "type": "invalid"}])

    @api.exception_handler(NotFound)
    def _not_found(request, exc):
        return answer(request, 404, str(exc))

    @api.exception_handler(Conflict)
    def _conflict(request, exc):
        return answer(request, 409, str(exc))

    @api.exception_handler(InUse)
    def _in_use(request, exc):
        return answer(request, 409, str(exc))

    @api.exception_handler(OutOfScope)
    def _out_of_scope(request, exc):
        return answer(request, 403, str(exc))

    @api.exception_handler(ReadOnlyToken)
    def _read_only(request, exc):
        return answer(request, 403, "this token is read-only; create a read-write token to make changes")


def _field_path(loc: list) -> list:
    """ninja's ["body", "payload", "http", "url"] as ["body", "url"]: the path of the field in the request body.

    ninja names the handler's parameter, and pydantic the monitor type it tried; neither is in the body.
    """
    if loc[:1] != ["body"]:
        return loc
    rest = loc[2:]
    if len(rest) > 1 and rest[0] in MONITOR_TYPES:
        rest = rest[1:]
    return ["body", *rest]
