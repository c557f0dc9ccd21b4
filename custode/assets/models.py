"""What is under care: customers' and the provider's own assets, and what depends on what."""

from __future__ import annotations

from django.db import models

from custode.assets.kinds import AssetKind


class AssetQuerySet(models.QuerySet):
    def public(self) -> AssetQuerySet:
        """The public status page's components: the provider's own assets marked ``public``."""
        return self.filter(customer=None, public=True)


class Asset(models.Model):
    """A site, server, NAS, PC... owned by a customer, or by the provider when ``customer`` is empty."""

    key = models.SlugField(max_length=63, unique=True)
    customer = models.ForeignKey(
        "directory.Customer", on_delete=models.CASCADE, related_name="assets", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    name = models.CharField(max_length=200)
    vendor = models.CharField(max_length=100, blank=True, null=True)
    model = models.CharField(max_length=100, blank=True, null=True)
    serial = models.CharField(max_length=100, blank=True, null=True)
    os = models.CharField(max_length=100, blank=True, null=True)
    purchased = models.DateField(blank=True, null=True)
    warranty_until = models.DateField(blank=True, null=True)
    public = models.BooleanField(default=False)
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="dependants", blank=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_infrastructure(self) -> bool:
        return self.customer_id is None


class Licence(models.Model):
    """A software licence of an asset, from the config file's ``licences:``: when it expires, for staff to renew."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="licences")
    name = models.CharField(max_length=200)
    expires = models.DateField()
    seats = models.PositiveIntegerField(blank=True, null=True)
    key_hint = models.CharField(max_length=40, blank=True, default="",
                                help_text="a few characters to tell keys apart, never the key")

    class Meta:
        ordering = ["expires", "name"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="licence_name_per_asset")]

    def __str__(self) -> str:
        return self.name


WARRANTY, LICENCE = "warranty", "licence"  # what of an asset expires: its warranty, or a licence (by its name)


class ExpiryAlert(models.Model):
    """An alert to staff that was written to the outbox: the warranty (NAME empty) or licence NAME of ASSET,
    expiring on EXPIRES, at STAGE (days before: 90, 30, 7; 0 once expired). Its row is what makes each alert go
    out once however often the check runs: a changed date is another row, and its alerts start over."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    expires = models.DateField()
    stage = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "kind", "name", "expires", "stage"],
                                               name="expiry_alert_once")]


class ExpiryAcknowledgement(models.Model):
    """Staff have seen that the warranty or licence NAME of ASSET expires on EXPIRES: no more alerts for it until
    the date changes."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    expires = models.DateField()
    at = models.DateTimeField()
    by = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "kind", "name", "expires"],
                                               name="expiry_acknowledged_once")]
