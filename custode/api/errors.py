"""How the API answers errors: a status and a body that names the field at fault; and the ``Router`` that writes
into the OpenAPI document every error status each route can answer, so no route lists them by hand.

Two bodies, one per kind of error:
- ``{"detail": "..."}`` (``ErrorOut``): 401 no or unknown token, 403 a token that may not do this, 404 no such
  object, 409 the object's state refuses the change.
- ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`` (``FieldErrorsOut``): 422 a value that is not
  right, ``loc`` its path in the request (``["body", "plan"]``, ``["query", "offset"]``); 400 a request that is
  not readable at all: a NUL character anywhere (``custode.lib.nul_guard``) or a body that is not JSON.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, List, Union

from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest
from ninja import NinjaAPI, Router as NinjaRouter, Schema
from ninja.constants import NOT_SET
from ninja.errors import HttpError, ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

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


MAX_ID = 2**63 - 1  # the largest integer either database stores: a larger one is a 422, not an overflow (500)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # a row's id in a path, a query or a body


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    loc: List[Union[str, int]]
    msg: str
    type: str


class FieldErrorsOut(Schema):
    detail: List[FieldError]


class ObjectIn(Schema):
    """Base of every request body: a JSON object, with no key the route does not know.

    ninja's Schema reads fields as attributes of whatever it is given, so without this a body of ``[null]``
    or ``5`` passes as an object whose fields all take their defaults (a PATCH that changes nothing answers
    200, a resolve resolves), and a misspelt key is silently ignored.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, (dict, DjangoGetter)):  # ninja validates the raw value, then it wrapped
            raise PydanticCustomError("model_type", "must be a JSON object")
        return value


def error_answers(path: str, view_func: Any, *, public: bool = False) -> dict[int, type[Schema]]:
    """The error statuses an operation on PATH handled by VIEW_FUNC can answer, with their bodies.

    400 for any request (the NUL guard reads the path and query of every one); 401 and 403 unless PUBLIC
    (no token; a read-only or customer-limited token); 404 when the path names an object; 422 when any
    parameter has a type or a schema to fail. 409 depends on what the route does: it says so itself.
    """
    answers: dict[int, type[Schema]] = {400: FieldErrorsOut}
    if not public:
        answers |= {401: ErrorOut, 403: ErrorOut}
    if "{" in path:
        answers[404] = ErrorOut
    params = list(inspect.signature(view_func).parameters.values())[1:]  # the first is the request
    if any(p.annotation not in (str, "str") for p in params):
        answers[422] = FieldErrorsOut
    return answers


class Router(NinjaRouter):
    """ninja's Router, each of whose operations documents the errors it can answer (``error_answers``) beside
    the answers the route declares, which must include its success; a route's own entry for a status wins."""

    def add_api_operation(self, path: str, methods: list[str], view_func: Any, *, response: Any = NOT_SET,
                          **kwargs: Any) -> None:
        if not isinstance(response, dict) or not any(200 <= code < 300 for code in response):
            raise TypeError(f"{view_func.__name__}: declare the success answer, e.g. response={{200: Schema}}")
        errors = error_answers(path, view_func, public=kwargs.get("auth", NOT_SET) is None)
        super().add_api_operation(path, methods, view_func, response={**errors, **response}, **kwargs)


class QueryParser(Parser):
    """ninja's parser, refusing a query parameter given more than once where one value is expected (ninja would
    quietly take the last: ``?limit=5&limit=500`` is a mistake to name, not to guess at)."""

    def parse_querydict(self, data, list_fields, request):
        for name in data:
            if name not in list_fields and len(data.getlist(name)) > 1:
                raise InvalidQuery(name, f"is given {len(data.getlist(name))} times; give it once")
        return super().parse_querydict(data, list_fields, request)


def _referrers(exc: ProtectedError | RestrictedError) -> str:
    """What still refers to the object EXC refused to delete, e.g. "2 tickets (#1001 Printer, #1002 VPN)"."""
    by_model: dict[Any, list] = {}
    for obj in exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects:
        by_model.setdefault(type(obj), []).append(obj)
    parts = []
    for model, found in by_model.items():
        kind = model._meta.verbose_name if len(found) == 1 else model._meta.verbose_name_plural
        shown = ", ".join(str(obj) for obj in found[:3]) + (", ..." if len(found) > 3 else "")
        parts.append(f"{len(found)} {kind} ({shown})")
    return "; ".join(parts)


def field_errors(errors: list[dict[str, Any]], prefix: tuple = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as {loc, msg, type}, the loc starting at the request part ("body", "query")."""
    return [{"loc": [*prefix, *e["loc"]], "msg": friendly(e), "type": e["type"]} for e in errors]


def install(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, status: int, detail: Any):
        return api.create_response(request, {"detail": detail}, status=status)

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        if exc.status_code == 400 and exc.__cause__ is not None:  # ninja could not parse the body
            return answer(request, 400, [{"loc": ["body"], "msg": f"the body is not JSON: {exc.__cause__}",
                                          "type": "json_invalid"}])
        return answer(request, exc.status_code, str(exc))

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

    @api.exception_handler(ProtectedError)
    @api.exception_handler(RestrictedError)
    def _still_referred_to(request, exc):
        return answer(request, 409, f"cannot be deleted: it is still referred to by {_referrers(exc)}; "
                                    "delete or move those first")

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
