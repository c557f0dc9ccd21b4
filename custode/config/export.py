"""The database as a config file that applies back with no changes."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

import yaml

from custode.assets.licences import licences_by_asset
from custode.assets.models import Asset
from custode.assets.services import asset_spec
from custode.agents.models import MONITOR_TYPE as AGENT, AgentWatch
from custode.agents.patches import patch_grace
from custode.agents.services import agent_watch_spec
from custode.backups.models import MONITOR_TYPE as BACKUP, BackupJob
from custode.backups.services import backup_spec
from custode.config.schema import AssetEntry, ConfigFile, ContactEntry, CustomerEntry, PlanTerms
from custode.directory.models import Contact, Customer, Plan, StaffProfile
from custode.directory.services import contact_spec, customer_spec, plan_spec, provider_spec, staff_spec
from custode.maintenance.models import MaintenanceWindow
from custode.maintenance.services import maintenance_spec
from custode.monitors.models import Monitor
from custode.monitors.services import monitor_spec_of
from custode.portal.setup import callback_hours, callback_slot
from custode.reports.services import report_recipients, review_required


def export_config() -> ConfigFile:
    provider = provider_spec()
    tz = ZoneInfo(provider.timezone) if provider else None
    calls = callback_hours()
    return ConfigFile(
        provider=provider.model_copy(update={
            "callback_slot": callback_slot(), "patch_grace": int(patch_grace().total_seconds()),
            "reports_review": review_required()}) if provider else None,
        staff=[staff_spec(p).model_copy(update={"callbacks": calls.get(p.pk)})
               for p in StaffProfile.objects.select_related("user").order_by("id")],
        plans={p.key: PlanTerms(**plan_spec(p).model_dump(mode="json")) for p in Plan.objects.order_by("id")},
        customers=_customers(),
        infrastructure=_assets()[None],
        maintenance=[
            maintenance_spec(w, sorted(a.key for a in w.assets.all()), tz=tz)
            for w in MaintenanceWindow.objects.prefetch_related("assets").order_by("id")
        ],
    )


def export_yaml() -> str:
    data = export_config().model_dump(mode="json", exclude_defaults=True)
    for customer in data.get("customers", []):
        _type_first(customer.get("assets", []))
    _type_first(data.get("infrastructure", []))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def _customers() -> list[CustomerEntry]:
    contacts, recipients = defaultdict(list), report_recipients()
    for contact in Contact.objects.order_by("id"):
        fields = contact_spec(contact).model_dump(mode="json")
        contacts[contact.customer_id].append(ContactEntry(**fields, reports=contact.pk in recipients))
    assets = _assets()
    return [
        CustomerEntry(**customer_spec(c).model_dump(mode="json"), owner=c.owner.user.username if c.owner else None,
                      contacts=contacts[c.id], assets=assets[c.id])
        for c in Customer.objects.select_related("plan", "owner__user").order_by("id")
    ]


def _assets() -> dict[int | None, list[AssetEntry]]:
    """Every asset with its monitors and backups, by owning customer id (None: infrastructure)."""
    monitors, backups, depends = defaultdict(list), defaultdict(list), defaultdict(list)
    for monitor in Monitor.objects.exclude(type__in=(BACKUP, AGENT)).order_by("id"):  # a job's or agent's is theirs
        monitors[monitor.asset_id].append(monitor_spec_of(monitor))
    for job in BackupJob.objects.order_by("id"):
        backups[job.asset_id].append(backup_spec(job))
    watches = {w.asset_id: agent_watch_spec(w) for w in AgentWatch.objects.all()}
    licences = licences_by_asset()
    for src, dst in Asset.depends_on.through.objects.values_list("from_asset_id", "to_asset__key"):
        depends[src].append(dst)
    by_owner: dict[int | None, list[AssetEntry]] = defaultdict(list)
    for asset in Asset.objects.order_by("id"):
        fields = asset_spec(asset, sorted(depends[asset.id])).model_dump(mode="json")
        by_owner[asset.customer_id].append(AssetEntry(**fields, monitors=monitors[asset.id], backups=backups[asset.id],
                                                      agent=watches.get(asset.id), licences=licences[asset.id]))
    return by_owner


def _type_first(assets: list[dict]) -> None:
    """Write each monitor as `id`, `type`, then the rest, the order people read it in."""
    for asset in assets:
        asset["monitors"] = [{"id": m["id"], "type": m["type"], **m} for m in asset.get("monitors", [])]
        if not asset["monitors"]:
            del asset["monitors"]
