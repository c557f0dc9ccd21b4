"""The config file's shape (see ``spec/custode.example.yaml``), composed from each app's specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, ValidationError

from custode.agents.specs import AgentSpec
from custode.assets.specs import AssetFields, LicenceSpec
from custode.backups.specs import BackupSpec
from custode.config.source import Path, Problem, Source
from custode.directory.specs import ContactSpec, CustomerFields, PlanSpec, ProviderSpec, StaffSpec
from custode.lib.types import Key, Spec
from custode.maintenance.specs import MaintenanceSpec
from custode.lib.messages import friendly
from custode.lib.notify_targets import env_problem
from custode.monitors.specs import MonitorSpec


class PlanTerms(PlanSpec):
    """A plan as the file writes it: under its id, as a key of ``plans``."""

    id: Key = Field(default="plan", exclude=True)


class AssetEntry(AssetFields):
    monitors: list[MonitorSpec] = []  # type: ignore[valid-type]
    backups: list[BackupSpec] = []
    agent: AgentSpec | None = None  # thresholds for its agent; left out: its kind's defaults
    licences: list[LicenceSpec] = []  # staff are alerted before each expires, as for the warranty


class ContactEntry(ContactSpec):
    reports: bool = False  # receives the customer's monthly report by e-mail


class CustomerEntry(CustomerFields):
    owner: Key | None = Field(default=None, description="the technician (a username under staff:) who looks after "
                              "the customer: asked to review their monthly report")
    contacts: list[ContactEntry] = []
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
    checked = validate_partially(source)
    if checked.problems:
        raise source.errors(checked.problems)
    return checked.doc


@dataclass
class Checked:
    """What of a file is well formed. DOC holds every entry without a problem of its own (None when not even
    that can be made); its list positions are ORIGINAL's to translate back. DROPPED: the ids and plan names of
    the entries left out, which anything else naming them would only seem to lack."""

    doc: ConfigFile | None
    problems: list[Problem] = field(default_factory=list)
    kept: dict[Path, list[int]] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)

    def original(self, path: Path) -> Path:
        """PATH in DOC as the same place in the file."""
        out: Path = ()
        for part in path:
            if isinstance(part, int) and out in self.kept:
                part = self.kept[out][part]
            out += (part,)
        return out


def validate_partially(source: Source) -> Checked:
    """Every schema problem and duplicate id of the file, and the file without the entries that have them, so
    what needs the database (a customer's plan, an asset's dependencies) can be checked in the same round.

    An entry is the smallest list item (or plan, or top-level section) around a problem. Leaving one out can
    make its parent wrong in turn (a window left with no asset): such problems are the first ones' echo, so
    after the first round entries are left out silently."""
    data = {} if source.data is None else source.data
    checked = Checked(None)
    drop: set[Path] = set()
    pruned, schema_round = data, True
    for _ in range(_ROUNDS):
        try:
            doc = ConfigFile.model_validate(pruned)
        except ValidationError as e:
            found = [_problem(error, pruned) for error in e.errors()]
            report = schema_round
        else:
            found, report = duplicates(doc) + environment(doc), True
            if not found:
                checked.doc = doc
                break
        schema_round = False
        found = [Problem(checked.original(p.path), p.message) for p in found]
        checked.problems += found if report else []
        entries = [_entry(p.path) for p in found]
        if any(entry is None for entry in entries):
            break  # the file as a whole is wrong: nothing of it stands alone
        drop.update(entries)
        checked.kept = {}
        pruned = _without(data, drop, (), checked.kept)
    checked.dropped = {name for path in drop for name in _names(path, data)}
    return checked


_ROUNDS = 6


def _entry(path: Path) -> Path | None:
    """The entry a problem at PATH belongs to: its nearest list item, a plan, or a top-level section."""
    for end in range(len(path), 0, -1):
        if isinstance(path[end - 1], int):
            return path[:end]
    if len(path) >= 2 and path[0] == "plans":
        return path[:2]
    return path[:1] or None


def _without(node: Any, drop: set[Path], here: Path, kept: dict[Path, list[int]]) -> Any:
    """NODE (at HERE in the file) without the entries at DROP, noting each list's kept positions in KEPT."""
    if isinstance(node, dict):
        return {k: _without(v, drop, here + (k,), kept) for k, v in node.items() if here + (k,) not in drop}
    if isinstance(node, list):
        kept[here] = [i for i in range(len(node)) if here + (i,) not in drop]
        return [_without(node[i], drop, here + (i,), kept) for i in kept[here]]
    return node


def _names(path: Path, data: Any) -> set[str]:
    """The ids (and plan name) an entry left out declares, its nested ones included."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return set()
    names = {path[1]} if len(path) == 2 and path[0] == "plans" and isinstance(path[1], str) else set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            names.update(v for k, v in item.items() if k in ("id", "username") and isinstance(v, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


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
        for n, licence in enumerate(asset.licences):
            claim(f"licence of {asset.id}", licence.name, base + ("licences", n, "name"))
    for w, window in enumerate(doc.maintenance):
        claim("maintenance", window.id, ("maintenance", w, "id"))
    return problems


def environment(doc: ConfigFile) -> list[Problem]:
    """Each ``notify_env`` variable that is unset in this environment or holds no target, named by its place and
    name (never its value)."""
    people: list[tuple[Path, Any]] = [(("staff", i), s) for i, s in enumerate(doc.staff)]
    people += [(("customers", c, "contacts", n), contact) for c, customer in enumerate(doc.customers)
               for n, contact in enumerate(customer.contacts)]
    return [Problem(path + ("notify_env", v), why) for path, person in people
            for v, name in enumerate(person.notify_env) if (why := env_problem(name))]


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
