"""Writes and reads of assets and the dependency graph between them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Mapping
from typing import Any

from custode.assets.models import Asset
from custode.assets.specs import AssetFields
from custode.directory.services import customer_get
from custode.lib.changes import Change, Invalid, NotFound, reference, save_fields


def asset_get(key: str) -> Asset:
    asset = Asset.objects.select_related("customer").filter(key=key).first()
    if asset is None:
        raise NotFound("asset", key)
    return asset


def asset_save(*, spec: AssetFields, customer: str | None, dependencies: bool = True) -> Change:
    """Create or update an asset of CUSTOMER (None: the provider's infrastructure).

    With ``dependencies=False`` the ``depends_on`` list is left for ``asset_set_dependencies``,
    so a file can name assets that appear further down.
    """
    owner = reference(customer_get, customer, "customer") if customer is not None else None
    asset = Asset.objects.filter(key=spec.id).first() or Asset(key=spec.id)
    change = save_fields(asset, {"customer": owner, **asset_values(spec)}, kind="asset", key=spec.id)
    if dependencies:
        change = change.merge(asset_set_dependencies(key=spec.id, depends_on=spec.depends_on))
    return change


def asset_values(spec: AssetFields) -> dict[str, Any]:
    """An asset's row from its spec, all but its owner and dependencies."""
    return spec.model_dump(mode="python", include=set(AssetFields.model_fields) - {"id", "depends_on"})


def asset_set_dependencies(*, key: str, depends_on: list[str]) -> Change:
    """Make ASSET depend on exactly these assets, refusing unknown ones and cycles."""
    asset = asset_get(key)
    targets = {a.key: a for a in Asset.objects.filter(key__in=depends_on)}
    asset_check_dependencies(key=asset.key, depends_on=depends_on, known=targets, edges=asset_dependency_edges())
    current = set(asset.depends_on.values_list("key", flat=True))
    if current == set(depends_on):
        return Change("asset", key, "unchanged")
    asset.depends_on.set(targets.values())
    return Change("asset", key, "updated", ("depends_on",))


def asset_check_dependencies(
    *, key: str, depends_on: list[str], known: Container[str], edges: Mapping[str, list[str]]
) -> None:
    """Invalid if DEPENDS_ON names an asset not in KNOWN, or would close a cycle in the graph EDGES (key -> keys)."""
    for i, dep in enumerate(depends_on):
        if dep not in known:
            raise Invalid(f"depends_on[{i}]", f"unknown asset {dep!r}")
    cycle = _cycle_through(key, depends_on, edges)
    if cycle:
        raise Invalid("depends_on", "dependency cycle: " + " → ".join(cycle))


def asset_dependency_edges() -> dict[str, list[str]]:
    """The dependency graph as it is stored: each asset's key -> the keys it depends on."""
    edges: dict[str, list[str]] = defaultdict(list)
    for src, dst in Asset.depends_on.through.objects.values_list("from_asset__key", "to_asset__key"):
        edges[src].append(dst)
    return edges


def _cycle_through(key: str, depends_on: list[str], edges: Mapping[str, list[str]]) -> list[str] | None:
    """The path back to KEY if it depended on DEPENDS_ON, else None."""
    stack, seen = [(key, [key])], set()
    while stack:
        node, path = stack.pop()
        for nxt in depends_on if node == key else edges.get(node, ()):
            if nxt == key:
                return path + [key]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def asset_spec(asset: Asset, depends_on: list[str] | None = None) -> AssetFields:
    if depends_on is None:
        depends_on = sorted(asset.depends_on.values_list("key", flat=True))
    return AssetFields(
        id=asset.key,
        kind=asset.kind,
        name=asset.name,
        vendor=asset.vendor,
        model=asset.model,
        serial=asset.serial,
        os=asset.os,
        purchased=asset.purchased,
        warranty_until=asset.warranty_until,
        public=asset.public,
        depends_on=depends_on,
    )


def asset_delete(*, key: str) -> Change:
    """Remove an asset with its monitors and backup jobs; assets that depended on it stop depending."""
    deleted, _ = Asset.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("asset", key)
    return Change("asset", key, "removed")
