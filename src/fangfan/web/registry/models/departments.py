"""Department records linked to the registry: the household page's 部门数据.

Derived data: the rows of the current snapshot's department feeds that the linker
(`fangfan.engine.link`, `derived/<snapshot>/links.parquet`) placed on a registry person,
household or (for the village water feed) village. A run on a new snapshot replaces
them all; the snapshot itself keeps every row for good.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from fangfan.web.registry.models.households import Household
from fangfan.web.registry.models.runs import Run


class LoadedJSONField(models.JSONField):
    """JSON kept as written: PostgreSQL's `json` (the text, checked) instead of `jsonb`.

    The records' values are read whole and never queried inside, so `jsonb`'s parsed form
    buys nothing, and parsing a city's 7.86 million documents into it was about 40 % of
    their COPY in a publish. Elsewhere (SQLite) the same as `JSONField`. No key or
    containment lookups on it: those need `jsonb`."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or not isinstance(value, str):  # psycopg decodes `json` itself
            return value
        return super().from_db_value(value, expression, connection)


class CurrentSnapshotManager(models.Manager["DepartmentRecord"]):
    """Records of the current run's snapshot only: a publish writes the next snapshot's
    records before it switches runs, and removes the previous ones after."""

    def get_queryset(self) -> models.QuerySet[DepartmentRecord]:
        return super().get_queryset().filter(snapshot_id__in=Run.objects.current_snapshot_id())


class DepartmentRecord(models.Model):
    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_as_written": "id", "linked_id_number": "id"}

    snapshot_id = models.CharField("数据快照", max_length=64)
    feed = models.CharField("部门数据", max_length=32)
    household = models.ForeignKey(
        Household,
        verbose_name="户编号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="department_records",
        help_text="村级数据（供水工程）为空",
        db_index=False,  # indexed in Meta: a plain index, without PostgreSQL's pattern twin
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    id_as_written = models.CharField("部门所填证件号", max_length=32, blank=True)
    linked_id_number = models.CharField("匹配到的证件号码", max_length=32, blank=True)
    name = models.CharField("姓名", max_length=32, blank=True)
    data: models.JSONField[Any] = LoadedJSONField(
        "记录内容", default=dict, help_text="字段名 → 值，不含证件号"
    )
    method = models.CharField("匹配方式", max_length=16)
    match_probability = models.FloatField("匹配概率", null=True, blank=True)
    note = models.CharField("匹配说明", max_length=200, blank=True)
    source_file = models.CharField("来源文件", max_length=200, blank=True)
    source_sheet = models.CharField("工作表", max_length=64, blank=True)
    source_row = models.PositiveIntegerField("行号", null=True, blank=True)

    # The default manager (first) sees every snapshot's records (publishing, the admin);
    # `objects`, what pages read, the current run's.
    all_objects = models.Manager()
    objects = CurrentSnapshotManager()

    class Meta:
        verbose_name = "部门记录"
        verbose_name_plural = "部门记录"
        ordering = ("feed", "source_file", "source_row")
        # A household's records are looked up by equality, never by prefix: one index on
        # household, not the two a foreign key on a text key gets on PostgreSQL (each one
        # a sort of millions of rows in a publish).
        indexes = (
            models.Index(fields=["village_code", "feed"], name="registry_deprecord_village_idx"),
            models.Index(fields=["household"], name="registry_deprecord_house_idx"),
        )

    def __str__(self) -> str:
        return f"{self.feed} {self.source_file} 第{self.source_row}行"
