"""Routes for a Resource: list (filters, pagination by key), create, read, replace, patch, delete.

No ``from __future__ import annotations`` here: ninja reads each handler's body type from
its annotation, which must be the resource's real class at definition time.
"""

from typing import Any, Dict, List, Optional

from django.db import transaction
from django.http import HttpRequest
from ninja import Body, Query, Schema, Status
from pydantic import Field, TypeAdapter

from custode.api import scope
from custode.api.errors import AlreadyExists, ErrorOut, Id, InvalidQuery, Router
from custode.api.resources import Resource
from custode.lib.changes import Invalid, NotFound
from custode.lib.keyset import beyond

MAX_OFFSET = 10_000

LIST_HELP = (
    "A page of at most `limit` items in a fixed order. `next` is the URL of the following page (null on the "
    "last one): follow it to walk the whole list; it carries `after`, the `id` of this page's last item. "
    "`count` is the number of items that match the filters, counted on the first page (no `after`) only: "
    "counting reads every matching row, which a walk need not repeat on each page, so it is null on the "
    f"pages `after` reaches. `offset` still works for the first pages (up to {MAX_OFFSET:,} items), but the "
    "database reads every skipped row: walk with `next`."
)


class OffsetPage(Schema):
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=(
        f"items to skip, at most {MAX_OFFSET:,}: the database still reads every skipped row"))


class Page(OffsetPage):
    after: Optional[str] = Field(default=None, description=(
        "the `id` of the last item of the previous page: the page starts right after it, as fast at the "
        "end of the list as at its start. The answer's `next` is the URL of the following page."))


class ListOut(Schema):
    count: Optional[int] = Field(description="the items matching the filters; null on the pages `after` reaches")
    limit: int
    offset: int
    next: Optional[str] = Field(description="the URL of the following page; null on the last one")
    items: List[Dict[str, Any]]


def _get(resource: Resource, key: Any, request: HttpRequest | None = None):
    """The object KEY names; for a token limited to a customer, only one of that customer's."""
    rows = resource.queryset() if request is None else scope.limit(resource.queryset(), request, resource.owner)
    obj = rows.filter(**{resource.lookup: key}).first()
    if obj is None:
        raise NotFound(resource.kind, str(key))
    return obj


def _write(request: HttpRequest, resource: Resource, body: Any, obj: Any) -> dict:
    with transaction.atomic():
        resource.save(body, obj)
        key = obj.pk if resource.lookup == "pk" and obj is not None else resource.key_of(body)
        if key is None:  # a new contact: found by its natural key
            key = resource.queryset().filter(customer__key=body.customer, name=body.name).values_list("pk", flat=True)[0]
        return resource.out(_get(resource, key), request)


def router_for(resource: Resource) -> Router:
    router = Router(tags=[resource.name])
    Payload = resource.body
    adapter = TypeAdapter(Payload)
    key_type = Id if resource.lookup == "pk" else str
    filters = {name: (Optional[bool] if name == "infrastructure" else Optional[str], None) for name in resource.filters}
    Filters = type(f"{resource.name.title()}Filters", (Schema,), {
        "__annotations__": {name: t for name, (t, _) in filters.items()}, **{n: d for n, (_, d) in filters.items()}})

    @router.get("", operation_id=f"{resource.name}_list", summary=f"List {resource.name}", description=LIST_HELP,
                response={200: ListOut})
    def list_(request: HttpRequest, page: Query[Page], where: Query[Filters] = None):
        given = {resource.filters[k]: v for k, v in (where.dict() if where else {}).items() if v is not None}
        rows = scope.limit(resource.queryset(), request, resource.owner).filter(**given)
        if "assets__key" in given:
            rows = rows.distinct()
        order = rows.query.order_by
        if page.after is None:
            items = list(rows[page.offset : page.offset + page.limit + 1])
        else:
            if page.offset:
                raise InvalidQuery("offset", "give either offset or after, not both")
            mine = scope.limit(resource.queryset(), request, resource.owner)
            items = list(rows.filter(beyond(order, _sort_key(resource, mine, key_type, order, page.after)))
                         [: page.limit + 1])
        more, items = len(items) > page.limit, items[: page.limit]
        return {"count": rows.count() if page.after is None else None, "limit": page.limit, "offset": page.offset,
                "next": _next_url(request, resource, items[-1]) if more else None,
                "items": [resource.out(obj, request) for obj in items]}

    @router.post("", operation_id=f"{resource.name}_create", summary=f"Create a {resource.kind}",
                 response={201: dict, 409: ErrorOut})
    def create(request: HttpRequest, payload: Payload):
        exists = resource.exists(payload) if resource.exists else (
            resource.queryset().filter(key=resource.key_of(payload)).exists())
        if exists:
            raise AlreadyExists(f"{resource.kind} {resource.key_of(payload) or payload.name!r} already exists")
        return Status(201, _write(request, resource, payload, None))

    @router.get("/{key}", operation_id=f"{resource.name}_read", summary=f"Read a {resource.kind}",
                response={200: resource.read_out}, exclude_unset=True)
    def read(request: HttpRequest, key: key_type):
        obj = _get(resource, key, request)
        return {**resource.out(obj, request), **resource.detail(obj)}

    @router.put("/{key}", operation_id=f"{resource.name}_replace", summary=f"Replace a {resource.kind}",
                response={200: dict})
    def replace(request: HttpRequest, key: key_type, payload: Payload):
        obj = _get(resource, key)
        _same_key(resource, obj, payload)
        return _write(request, resource, payload, obj)

    @router.patch("/{key}", operation_id=f"{resource.name}_patch", summary=f"Change some fields of a {resource.kind}",
                  response={200: dict})
    def patch(request: HttpRequest, key: key_type, payload: Dict[str, Any] = Body(...)):
        obj = _get(resource, key)
        body = adapter.validate_python({**resource.body_dict(obj), **payload})
        _same_key(resource, obj, body)
        return _write(request, resource, body, obj)

    @router.delete("/{key}", operation_id=f"{resource.name}_delete", summary=f"Delete a {resource.kind}",
                   response={204: None, 409: ErrorOut})
    def delete(request: HttpRequest, key: key_type):
        with transaction.atomic():
            resource.delete(_get(resource, key))
        return Status(204, None)

    return router


def _sort_key(resource: Resource, rows, key_type: type, order: tuple, after: str) -> list:
    """The sort key of the item AFTER names, from that item among ROWS (those the token may see: another
    customer's is as unknown as a missing one), or its own ``id`` when the list is ordered by it, so a walk goes
    on when the item is deleted meanwhile; InvalidQuery naming ``after`` if there is none."""
    if tuple(order) == (resource.lookup,) and key_type is str:
        return [after]
    if key_type is Id and not (after.isdigit() and len(after) < 19):
        raise InvalidQuery("after", f"{after!r} is not the id of a {resource.kind}: ids here are numbers")
    value = int(after) if key_type is Id else after
    key = rows.filter(**{resource.lookup: value}).values_list(*order).first()
    if key is None:
        raise InvalidQuery("after", f"no {resource.kind} {after!r}; it may have been deleted since the page was "
                                    "read: start again without after")
    return list(key)


def _next_url(request: HttpRequest, resource: Resource, last: Any) -> str:
    query = request.GET.copy()
    query.pop("offset", None)
    query["after"] = str(getattr(last, resource.lookup))
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _same_key(resource: Resource, obj: Any, body: Any) -> None:
    if resource.lookup == "key" and resource.key_of(body) != obj.key:
        raise Invalid("id", f"must stay {obj.key!r}: an id cannot be changed; create a new {resource.kind} instead")
