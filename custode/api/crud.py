"""Routes for a Resource: list (filters, pagination), create, read, replace, patch, delete.

No ``from __future__ import annotations`` here: ninja reads each handler's body type from
its annotation, which must be the resource's real class at definition time.
"""

from typing import Any, Dict, Optional

from django.db import transaction
from django.http import HttpRequest
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field, TypeAdapter

from custode.api.errors import AlreadyExists
from custode.api.resources import Resource
from custode.lib.changes import Invalid, NotFound


class Page(Schema):
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


def _get(resource: Resource, key: Any):
    obj = resource.queryset().filter(**{resource.lookup: key}).first()
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
    key_type = int if resource.lookup == "pk" else str
    filters = {name: (Optional[bool] if name == "infrastructure" else Optional[str], None) for name in resource.filters}
    Filters = type(f"{resource.name.title()}Filters", (Schema,), {
        "__annotations__": {name: t for name, (t, _) in filters.items()}, **{n: d for n, (_, d) in filters.items()}})

    @router.get("", operation_id=f"{resource.name}_list", summary=f"List {resource.name}")
    def list_(request: HttpRequest, page: Query[Page], where: Query[Filters]):
        given = {resource.filters[k]: v for k, v in where.dict().items() if v is not None}
        rows = resource.queryset().filter(**given)
        if "assets__key" in given:
            rows = rows.distinct()
        items = rows[page.offset : page.offset + page.limit]
        return {"count": rows.count(), "limit": page.limit, "offset": page.offset,
                "items": [resource.out(obj, request) for obj in items]}

    @router.post("", operation_id=f"{resource.name}_create", summary=f"Create a {resource.kind}", response={201: dict})
    def create(request: HttpRequest, payload: Payload):
        exists = resource.exists(payload) if resource.exists else (
            resource.queryset().filter(key=resource.key_of(payload)).exists())
        if exists:
            raise AlreadyExists(f"{resource.kind} {resource.key_of(payload) or payload.name!r} already exists")
        return Status(201, _write(request, resource, payload, None))

    @router.get("/{key}", operation_id=f"{resource.name}_read", summary=f"Read a {resource.kind}")
    def read(request: HttpRequest, key: key_type):
        return resource.out(_get(resource, key), request)

    @router.put("/{key}", operation_id=f"{resource.name}_replace", summary=f"Replace a {resource.kind}")
    def replace(request: HttpRequest, key: key_type, payload: Payload):
        obj = _get(resource, key)
        _same_key(resource, obj, payload)
        return _write(request, resource, payload, obj)

    @router.patch("/{key}", operation_id=f"{resource.name}_patch", summary=f"Change some fields of a {resource.kind}")
    def patch(request: HttpRequest, key: key_type, payload: Dict[str, Any] = Body(...)):
        obj = _get(resource, key)
        body = adapter.validate_python({**resource.body_dict(obj), **payload})
        _same_key(resource, obj, body)
        return _write(request, resource, body, obj)

    @router.delete("/{key}", operation_id=f"{resource.name}_delete", summary=f"Delete a {resource.kind}", response={204: None})
    def delete(request: HttpRequest, key: key_type):
        with transaction.atomic():
            resource.delete(_get(resource, key))
        return Status(204, None)

    return router


def _same_key(resource: Resource, obj: Any, body: Any) -> None:
    if resource.lookup == "key" and resource.key_of(body) != obj.key:
        raise Invalid("id", f"must stay {obj.key!r}: an id cannot be changed; create a new {resource.kind} instead")
