"""Evidence records: a stored file (once per content) and the references that file it.

`StoredFile` is one file under MEDIA_ROOT, named by its SHA-256: the same bytes uploaded
twice are kept once. It has no region and no page of its own. `EvidenceItem` files a
stored file against one household's need (policy or finding, member, proof) in one
policy year; it is what the gate scopes and what pages list. Removing an item marks it
deleted (the audit trail keeps who and why); its file stays, as other items may share it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models import Household


class StoredFile(models.Model):
    """One checked, re-encoded file, kept by content: `evidence/ab/<sha256>.jpg` under MEDIA_ROOT."""

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    # A name in the default storage, served only through an item's gated view (never MEDIA_URL).
    stored_name = models.CharField("存储名", max_length=255)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    width = models.PositiveIntegerField("宽（像素）", null=True, blank=True)
    height = models.PositiveIntegerField("高（像素）", null=True, blank=True)
    created_at = models.DateTimeField("首次保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证文件"
        verbose_name_plural = "佐证文件"

    def __str__(self) -> str:
        return self.sha256[:12]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class EvidenceItem(SoftDeleteModel):
    """A proof file of a household for one need: ("policy:education_aid", "李浩", "education_aid_record")."""

    REGION_FIELD = "village_code"

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    policy_year = models.PositiveSmallIntegerField("政策年度")
    requirement = models.CharField(
        "政策或问题", max_length=40, help_text="policy:<政策键> 或 rule:<规则编号>"
    )
    subject = models.CharField("成员", max_length=32, blank=True, help_text="空白表示全户")
    proof = models.CharField("材料", max_length=40)
    title = models.CharField(
        "佐证项", max_length=120, help_text="上传时的名称，如“教育资助（李浩）·资助发放记录”"
    )
    file = models.ForeignKey(StoredFile, verbose_name="文件", on_delete=models.PROTECT, related_name="items")
    original_name = models.CharField("原文件名", max_length=255)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True, help_text="照片EXIF中的拍摄时间")
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    removal_reason = models.CharField("删除原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "佐证资料"
        verbose_name_plural = "佐证资料"
        ordering = ("household", "policy_year", "requirement", "subject", "proof", "uploaded_at", "id")
        indexes = (models.Index(fields=["village_code", "policy_year"], name="evidence_item_region_idx"),)

    def __str__(self) -> str:
        return self.title

    @property
    def slot(self) -> tuple[str, str, str]:
        return (self.requirement, self.subject, self.proof)


class VillageTally(models.Model):
    """A village's completeness in a policy year under one published run, kept until the run
    changes (its key) or an item of the village is uploaded or removed (the verbs delete it):
    counties and the city are summed from these instead of from every household."""

    REGION_FIELD = "village_code"

    village_code = models.CharField("行政区划代码", max_length=12)
    policy_year = models.PositiveSmallIntegerField("政策年度")
    run_id = models.CharField("筛查批次", max_length=64)
    households = models.PositiveIntegerField("需佐证户数", default=0)
    complete = models.PositiveIntegerField("材料齐全户数", default=0)
    needed = models.PositiveIntegerField("应有材料", default=0)
    held = models.PositiveIntegerField("已上传", default=0)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "村佐证资料完成情况"
        verbose_name_plural = "村佐证资料完成情况"
        constraints = (
            models.UniqueConstraint(
                fields=("village_code", "policy_year", "run_id"), name="evidence_village_tally_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.village_code} {self.policy_year} {self.held}/{self.needed}"
