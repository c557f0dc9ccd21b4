"""What an asset can be. Plans set SLA targets per kind, so the list is shared."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "vm", _("Virtual machine")
    DATABASE = "database", _("Database")
    NAS = "nas", _("NAS")
    NETWORK = "network", _("Network device")
    FIREWALL = "firewall", _("Firewall")
    PC = "pc", _("PC")
    LAPTOP = "laptop", _("Laptop")
    PRINTER = "printer", _("Printer")
    PHONE = "phone", _("Phone system")
    MAIL = "mail", _("Mail service")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")
