"""The typed shape of an asset: what it is, who owns it, what it depends on."""

from __future__ import annotations

from pydantic import Field

from custode.assets.kinds import AssetKind
from custode.lib.types import Date, Key, Spec


class AssetFields(Spec):
    id: Key
    kind: AssetKind
    name: str = Field(min_length=1, max_length=200)
    vendor: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    serial: str | None = Field(default=None, max_length=100)
    os: str | None = Field(default=None, max_length=100)
    purchased: Date | None = None
    warranty_until: Date | None = None
    public: bool = False
    depends_on: list[Key] = []


class LicenceSpec(Spec):
    """One of an asset's ``licences:``: staff are alerted before it expires, as for its warranty."""

    name: str = Field(min_length=1, max_length=200)
    expires: Date
    seats: int | None = Field(default=None, ge=1, le=1_000_000)
    key_hint: str | None = Field(default=None, max_length=40, description="a few characters to tell keys apart, "
                                 "never the key itself")
