"""Regions as the web application knows them: city ⊃ county ⊃ township ⊃ village.

The city, counties and townships come from the engine's reference data; villages
are learned from imported snapshots.
"""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    class Level(models.TextChoices):
        CITY = "city", "市"
        COUNTY = "county", "县(区)"
        TOWNSHIP = "township", "乡(镇)"
        VILLAGE = "village", "行政村"

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def contains(self, code: str) -> bool:
        """True when the region with `code` lies inside this one (or is it)."""
        return code.startswith(self.code) if self.level != self.Level.CITY else code.startswith(self.code[:4])
