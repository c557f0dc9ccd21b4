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
