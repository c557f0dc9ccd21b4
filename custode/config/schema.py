"""The config file's shape (see ``spec/custode.example.yaml``), composed from each app's specs."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from custode.assets.specs import AssetFields
from custode.backups.specs import BackupSpec
from custode.config.source import Path, Problem, Source
from custode.directory.specs import ContactSpec, CustomerFields, PlanSpec, ProviderSpec, StaffSpec
from custode.lib.types import Key, Spec
from custode.maintenance.specs import MaintenanceSpec
from custode.lib.messages import friendly
from custode.monitors.specs import MonitorSpec


class PlanTerms(PlanSpec):
    """A plan as the file writes it: under its id, as a key of ``plans``."""

    id: Key = Field(default="plan", exclude=True)


class AssetEntry(AssetFields):
    monitors: list[MonitorSpec] = []  # type: ignore[valid-type]
    backups: list[BackupSpec] = []


class CustomerEntry(CustomerFields):
    contacts: list[ContactSpec] = []
    assets: list[AssetEntry] = []


class ConfigFile(Spec):
    provider: ProviderSpec | None = None
    staff: list[StaffSpec] = []
    plans: dict[Key, PlanTerms] = {}
    customers: list[CustomerEntry] = []
    infrastructure: list[AssetEntry] = []
    maintenance: list[MaintenanceSpec] = []

    def plan_specs(self) -> list[PlanSpec]:
        return [PlanSpec.model_validate({**terms.model_dump(mode="json", exclude={"id"}), "id": key}) for key, terms in self.plans.items()]


def validate(source: Source) -> ConfigFile:
    """The file as a ConfigFile, or ConfigErrors listing every problem with its line."""
    data = {} if source.data is None else source.data
    try:
        doc = ConfigFile.model_validate(data)
    except ValidationError as e:
        raise source.errors([_problem(error, data) for error in e.errors()]) from None
    problems = duplicates(doc)
    if problems:
        raise source.errors(problems)
    return doc


def _problem(error: dict[str, Any], data: Any) -> Problem:
    path: Path = ()
    node = data
    for part in error["loc"]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and node.get("type") == part:
            continue  # the tag pydantic adds for the monitor type: not a key in the file
        else:
            node = None
        path += (part,)
    if error["type"] == "union_tag_invalid":
        path += ("type",)
    return Problem(path, _message(error))


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "model_type" and error["loc"] == ():
        return "the file must be a mapping with keys " + ", ".join(ConfigFile.model_fields)
    return friendly(error)


def duplicates(doc: ConfigFile) -> list[Problem]:
    """Ids that must be unique across the whole file and appear twice."""
    seen: dict[tuple[str, str], Path] = {}
    problems: list[Problem] = []

    def claim(kind: str, key: str, path: Path) -> None:
        first = seen.setdefault((kind, key), path)
        if first != path:
            problems.append(Problem(path, f"duplicate {kind} id {key!r}, first used at {_where(first)}"))

    for i, staff in enumerate(doc.staff):
        claim("staff", staff.username, ("staff", i, "username"))
    for c, customer in enumerate(doc.customers):
        claim("customer", customer.id, ("customers", c, "id"))
        for n, contact in enumerate(customer.contacts):
            claim(f"contact of {customer.id}", contact.name, ("customers", c, "contacts", n, "name"))
    for base, asset in asset_entries(doc):
        claim("asset", asset.id, base + ("id",))
        for m, monitor in enumerate(asset.monitors):
            claim("monitor", monitor.id, base + ("monitors", m, "id"))
        for b, backup in enumerate(asset.backups):
            claim("backup", backup.id, base + ("backups", b, "id"))
    for w, window in enumerate(doc.maintenance):
        claim("maintenance", window.id, ("maintenance", w, "id"))
    return problems


def asset_entries(doc: ConfigFile) -> list[tuple[Path, AssetEntry]]:
    """Every asset of the file with its path: customers' first, then the infrastructure."""
    entries: list[tuple[Path, AssetEntry]] = []
    for c, customer in enumerate(doc.customers):
        entries += [(("customers", c, "assets", a), asset) for a, asset in enumerate(customer.assets)]
    entries += [(("infrastructure", a), asset) for a, asset in enumerate(doc.infrastructure)]
    return entries


def _where(path: Path) -> str:
    from custode.config.source import path_text

    return path_text(path)
