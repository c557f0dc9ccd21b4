"""An asset's licences, as the config file lists them: each asset has exactly its file's list.

A file of thousands of assets is written as the other kinds are (``custode.config.bulk``): every licence read in
one query, compared in memory, only what differs written. A change shows as a change of the asset (field
``licences``), the way ``depends_on`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import Exists, OuterRef

from custode.assets.models import Asset, Licence
from custode.assets.specs import LicenceSpec
from custode.lib.changes import Change

CHUNK = 1000  # rows per statement


def licence_values(spec: LicenceSpec) -> dict:
    return {"expires": spec.expires, "seats": spec.seats, "key_hint": spec.key_hint or ""}


def licence_spec(licence: Licence) -> LicenceSpec:
    return LicenceSpec(name=licence.name, expires=licence.expires, seats=licence.seats,
                       key_hint=licence.key_hint or None)


def licences_by_asset() -> dict[int, list[LicenceSpec]]:
    """Every asset's licences as specs, by asset id, in the order they were first written."""
    out: dict[int, list[LicenceSpec]] = defaultdict(list)
    for licence in Licence.objects.order_by("id"):
        out[licence.asset_id].append(licence_spec(licence))
    return out


def has_licences() -> Exists:
    """An annotation of assets: whether the asset has any licence stored (the writer skips its read without)."""
    return Exists(Licence.objects.filter(asset=OuterRef("pk")))


def licences_write(*, wanted: Iterable[tuple[str, list[LicenceSpec]]], assets: Mapping[str, Asset]) -> list[Change]:
    """Give each asset named in WANTED (key, its licences; names unique, as the file's check makes them) exactly
    those licences; ASSETS holds every asset by key (annotated with ``has_licences``, the licences are read only
when there are any). One change of kind ``asset`` for each asset whose list changed."""
    wanted = [(key, specs) for key, specs in wanted if key in assets]
    if not any(specs or getattr(assets[key], "has_licences", True) for key, specs in wanted):
        return []
    ids = {assets[key].pk for key, _ in wanted}
    stored: dict[int, dict[str, Licence]] = defaultdict(dict)
    for licence in Licence.objects.order_by():
        if licence.asset_id in ids:
            stored[licence.asset_id][licence.name] = licence
    created, updated, removed, changes = [], [], [], []
    for key, specs in wanted:
        asset = assets[key]
        have = stored.pop(asset.pk, {})
        changed = False
        for spec in specs:
            values = licence_values(spec)
            row = have.pop(spec.name, None)
            if row is None:
                created.append(Licence(asset=asset, name=spec.name, **values))
                changed = True
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                updated.append(row)
                changed = True
        removed += [row.pk for row in have.values()]
        if changed or have:
            changes.append(Change("asset", key, "updated", ("licences",)))
    for start in range(0, len(removed), CHUNK):
        Licence.objects.filter(pk__in=removed[start : start + CHUNK]).delete()
    Licence.objects.bulk_update(updated, ["expires", "seats", "key_hint"], batch_size=CHUNK)
    Licence.objects.bulk_create(created, batch_size=CHUNK)
    return changes
