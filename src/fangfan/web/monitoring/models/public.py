"""What keeps the public report form for people, in the database so every process agrees.

`PublicCounter` counts a client address's submissions (reports, progress look-ups) in a
window that starts with its first one and lasts the whole window: one row per address
and purpose, incremented in place (`F("count") + 1`) so concurrent requests, from any
process or thread, never lose a count. `UsedFillToken` remembers each fill token once
used, so a form can be sent only once. Addresses and tokens are kept as keyed hashes,
never as typed.
"""

from __future__ import annotations

from django.db import models


class PublicCounter(models.Model):
    """Submissions from one (hashed) address for one purpose since `window_start`."""

    purpose = models.CharField("用途", max_length=16)
    address_hash = models.CharField("地址摘要", max_length=64)
    window_start = models.DateTimeField("计数开始时间")
    count = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = "公开页面提交计数"
        verbose_name_plural = "公开页面提交计数"
        constraints = (
            models.UniqueConstraint(
                fields=["purpose", "address_hash"], name="monitoring_public_counter_unique"
            ),
        )
        indexes = (models.Index(fields=["window_start"], name="monitoring_counter_window_idx"),)

    def __str__(self) -> str:
        return f"{self.purpose} {self.address_hash[:8]}… {self.count}"


class UsedFillToken(models.Model):
    """A fill token already sent once (its keyed hash), kept while the token could still be valid."""

    token_hash = models.CharField("表单令牌摘要", max_length=64, unique=True)
    used_at = models.DateTimeField("使用时间", db_index=True)

    class Meta:
        verbose_name = "已使用的表单令牌"
        verbose_name_plural = "已使用的表单令牌"

    def __str__(self) -> str:
        return f"{self.token_hash[:8]}… {self.used_at:%Y-%m-%d %H:%M}"
