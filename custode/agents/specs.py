"""An asset's ``agent:`` keys in the config file (DESIGN.md, "Agent"): the thresholds its agent is judged by.

A key left out takes the default for the asset's kind (``DEFAULTS``): a PC is busier and fuller, by habit, than
a server, and nobody should write numbers for every laptop.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from custode.lib.types import Duration, Spec


class AgentSpec(Spec):
    load_per_core: float | None = Field(default=None, gt=0, le=1000, allow_inf_nan=False)
    disk_percent: float | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    memory_percent: float | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    for_: Duration | None = Field(default=None, alias="for")
    services: list[str] = Field(default=[], max_length=50)

    # ``for`` is a Python keyword: the field is ``for_`` and the file's key ``for``, both ways
    model_config = {**Spec.model_config, "populate_by_name": True, "serialize_by_alias": True}


@dataclass(frozen=True)
class Thresholds:
    load_per_core: float
    disk_percent: float
    memory_percent: float
    hold: float  # seconds a value must stay over before it counts (``for``)
    services: tuple[str, ...] = ()


SERVER = Thresholds(load_per_core=2.0, disk_percent=90.0, memory_percent=95.0, hold=300)
DESK = Thresholds(load_per_core=4.0, disk_percent=95.0, memory_percent=98.0, hold=900)
DEFAULTS = {"pc": DESK, "laptop": DESK, "nas": Thresholds(4.0, 90.0, 95.0, 600)}


def thresholds_of(kind: str, spec: AgentSpec | None) -> Thresholds:
    """SPEC's thresholds, each key left out taken from the defaults of the asset's KIND."""
    base = DEFAULTS.get(kind, SERVER)
    if spec is None:
        return base
    return Thresholds(
        load_per_core=spec.load_per_core if spec.load_per_core is not None else base.load_per_core,
        disk_percent=spec.disk_percent if spec.disk_percent is not None else base.disk_percent,
        memory_percent=spec.memory_percent if spec.memory_percent is not None else base.memory_percent,
        hold=spec.for_ if spec.for_ is not None else base.hold,
        services=tuple(spec.services))
