"""The national system's monitored households into the app: `import_registry_monitored`.

The registry already marks households as monitored (户信息's 监测对象类别, 识别监测时间,
风险是否消除, 风险消除时间, 主要风险类型). Each published household with a 监测对象类别
becomes a `MonitoredHousehold` of source REGISTRY, without an identification case, so
it is in the dashboard, the lists, re-assessments and elimination from the first day:

- 监测中, or 风险已消除 with the registry's date when it says the risk is eliminated;
- the category as written, or the nearest one ("边缘户" → 边缘易致贫户); a value naming
  none is skipped and counted with the reason;
- risk types from 主要风险类型 split on 、，,；;/| and spaces, each mapped to the app's
  (因病, 因残, …; "病" → 因病), anything else → 其他;
- the monitoring start from 识别监测时间, or the run's 统计日 (as_of) when blank (counted);
- the registry's 帮扶措施 (；-separated) as current `Measure`s of the household, with its
  帮扶责任人 and phone, from the monitoring start, marked as imported (`imported_run`);
- the re-assessment clock: the export holds no date of the last assessment, so the next
  re-assessment is due `FANGFAN_REASSESSMENT_DAYS` after the import
  (`reassessment_clock_start`), not after a 识别监测时间 years back; the pages say so.

Records imported before measures and the clock were (no `reassessment_clock_start`) get
both on the next import: the clock from that day, the measures when they have none.

Keyed by household and idempotent: a household that already has a `MonitoredHousehold`
(from the office's own workflow or an earlier import, even a deleted one) is never
touched, so running it again, or after every publish, adds only households newly
monitored in the registry. The office's workflow wins: an imported record is not
updated from later runs either.

It runs at the end of `fangfan.web.publishing.publish_run` (inside its transaction) and as
`manage.py import_registry_monitored`. Rows are read once; the records, then their
measures, are inserted each as one set through the bulk loader (`shared.loading`: COPY on
PostgreSQL); one `AuditEvent` (by the system, on the run) records the counts, not one per
household.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from fangfan.web.accounts.models import AuditEvent
from fangfan.web.monitoring.models import Case, Category, Measure, MeasureKind, MonitoredHousehold, RiskType
from fangfan.web.monitoring.workflow import OPEN_STAGES
from fangfan.web.registry.models import Household, Run
from fangfan.web.shared.loading import loader

BATCH = 2_000
SEPARATORS = re.compile(r"[、，,；;/|｜\s]+")

# Words that name a category, tried in order when the value is not one of them exactly.
CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("不稳定", Category.UNSTABLE),
    ("脱贫", Category.UNSTABLE),
    ("边缘", Category.MARGINAL),
    ("易致贫", Category.MARGINAL),
    ("突发", Category.SUDDEN),
    ("严重困难", Category.SUDDEN),
)

# Words that name a risk type, tried in order when the item is not one of them exactly.
RISK_WORDS: tuple[tuple[str, str], ...] = (
    ("病", RiskType.ILLNESS),
    ("残", RiskType.DISABILITY),
    ("学", RiskType.SCHOOLING),
    ("灾", RiskType.DISASTER),
    ("意外", RiskType.ACCIDENT),
    ("事故", RiskType.ACCIDENT),
    ("产业", RiskType.FAILED_BUSINESS),
    ("务工", RiskType.UNSTABLE_WORK),
    ("就业", RiskType.UNSTABLE_WORK),
    ("劳力", RiskType.NO_LABOUR),
    ("劳动力", RiskType.NO_LABOUR),
)

# The registry's 帮扶措施 names the app does not use as they are.
MEASURE_KINDS = {"公益岗位": MeasureKind.PUBLIC_WELFARE_JOB, "其他": MeasureKind.OTHER}
# Kinds that help the whole household (按户施保的低保, 住房, 饮水): every member's safeguard too.
WHOLE_HOUSEHOLD = {MeasureKind.SAFETY_NET, MeasureKind.HOUSING, MeasureKind.WATER}
NO_CADRE = "（国家系统未填）"

FIELDS = (
    "household_id",
    "village_code",
    "head_name",
    "monitoring_category",
    "monitoring_since",
    "risk_eliminated",
    "risk_eliminated_on",
    "main_risk",
    "measures",
    "helper_name",
    "helper_phone",
)
# What the import keeps of each household, in the order the loop appends them.
RECORD_COLUMNS = (
    "household_id",
    "village_code",
    "name",
    "category",
    "main_risk",
    "monitoring_start",
    "status",
    "eliminated_on",
    "measures",
    "cadre_name",
    "cadre_phone",
)
MEASURE_SCHEMA = {
    "monitored_id": pl.Int64,
    "household_id": pl.String,
    "village_code": pl.String,
    "kind": pl.String,
    "covers_everyone": pl.Boolean,
    "content": pl.String,
    "start_date": pl.Date,
    "cadre_name": pl.String,
    "cadre_phone": pl.String,
}
MEASURE_COLUMNS = tuple(MEASURE_SCHEMA)


def measure_kind_of(item: str) -> str:
    """The app's kind for an item of the registry's 帮扶措施 ("公益岗位" → 公益性岗位; unknown → 其他帮扶)."""
    item = item.strip()
    if item in MeasureKind.values:
        return item
    return str(MEASURE_KINDS.get(item, MeasureKind.OTHER))


def registry_items(measures: str) -> list[str]:
    """The distinct items of the registry's 帮扶措施 text, in order ("低保；公益岗位" → two)."""
    return list(dict.fromkeys(item for item in SEPARATORS.split(measures.replace("；", ";")) if item))


def registry_measures(
    record: MonitoredHousehold, measures: str, helper: str, phone: str, run: Run | None
) -> list[Measure]:
    """The household's 帮扶措施 as `Measure`s of `record` (not saved), one per distinct item."""
    made = []
    for item in registry_items(measures):
        kind = measure_kind_of(item)
        made.append(
            Measure(
                monitored=record,
                household_id=record.household_id,
                village_code=record.village_code,
                kind=kind,
                covers_everyone=kind in WHOLE_HOUSEHOLD,
                content=f"国家系统登记的帮扶措施：{item}",
                start_date=record.monitoring_start,
                cadre_name=(helper or NO_CADRE)[:32],
                cadre_phone=phone[:20],
                imported_run=run,
            )
        )
    return made


def category_of(value: str) -> str:
    """The app's category for the registry's 监测对象类别, or "" when it names none."""
    value = value.strip()
    if value in Category.values:
        return value
    for word, category in CATEGORY_WORDS:
        if word in value:
            return str(category)
    return ""


def risk_types_of(value: str) -> list[str]:
    """ "因病、因学" → ["因病", "因学"] in `RiskType` order; unknown items → 其他; blank → []."""
    chosen: set[str] = set()
    for item in SEPARATORS.split(value.strip()):
        if not item:
            continue
        if item in RiskType.values:
            chosen.add(item)
        elif f"因{item}" in RiskType.values:
            chosen.add(f"因{item}")
        else:
            chosen.add(next((str(risk) for word, risk in RISK_WORDS if word in item), RiskType.OTHER))
    return [value for value in RiskType.values if value in chosen]


@dataclass
class ImportCounts:
    """What `import_registry_monitored` did."""

    created: int = 0
    monitored: int = 0  # of created: 监测中
    eliminated: int = 0  # of created: 风险已消除
    measures: int = 0  # measures created from 帮扶措施
    clock_started: int = 0  # records imported earlier: the re-assessment clock started now
    start_defaulted: int = 0  # 识别监测时间 blank: the run's as-of date
    eliminated_on_defaulted: int = 0  # eliminated without 风险消除时间: the run's as-of date
    category_mapped: int = 0  # category not written exactly, mapped to the nearest
    skipped: dict[str, int] = field(default_factory=dict)  # reason → households
    seconds: float = 0.0

    def describe(self) -> str:
        text = (
            f"从国家系统导入监测对象 {self.created} 户"
            f"（监测中 {self.monitored}，风险已消除 {self.eliminated}），帮扶措施 {self.measures} 条"
        )
        notes = []
        if self.clock_started:
            notes.append(f"此前导入的 {self.clock_started} 户回访自今日起算")
        if self.category_mapped:
            notes.append(f"{self.category_mapped} 户类别按最接近的类别导入")
        if self.start_defaulted:
            notes.append(f"{self.start_defaulted} 户无识别监测时间，按统计日")
        if self.eliminated_on_defaulted:
            notes.append(f"{self.eliminated_on_defaulted} 户无风险消除时间，按统计日")
        notes.extend(f"跳过 {count} 户：{reason}" for reason, count in sorted(self.skipped.items()))
        return text + ("；" + "；".join(notes) if notes else "") + f"，用时 {self.seconds} 秒"


def import_registry_monitored(run: Run | None = None) -> ImportCounts:
    """Create a `MonitoredHousehold` for each published registry household the national system
    monitors that has none yet. `run` (default: the current one) gives the as-of date."""
    started = time.perf_counter()
    run = run or Run.objects.current()
    as_of: dt.date = run.as_of if run is not None and run.as_of else timezone.localdate()
    counts = ImportCounts()
    skipped: Counter[str] = Counter()
    categories: dict[str, str] = {}
    risks: dict[str, list[str]] = {}
    has_record = MonitoredHousehold.all_objects.filter(household__isnull=False).values("household_id")
    # A household the office is identifying right now is left to that case's decision
    # (importing it too would make a second record when the case is decided).
    in_identification = Case.objects.filter(stage__in=OPEN_STAGES, household__isnull=False).values(
        "household_id"
    )
    rows = (
        Household.objects.exclude(monitoring_category="")
        .exclude(pk__in=has_record)
        .exclude(pk__in=in_identification)
        .order_by("pk")
        .values_list(*FIELDS)
    )
    today = timezone.localdate()
    with transaction.atomic():
        records: dict[str, list[Any]] = {name: [] for name in RECORD_COLUMNS}
        for (
            household_id,
            village,
            name,
            category_text,
            since,
            eliminated,
            eliminated_on,
            main_risk,
            measures,
            helper,
            phone,
        ) in rows.iterator(chunk_size=BATCH):
            if category_text not in categories:
                categories[category_text] = category_of(category_text)
            category = categories[category_text]
            if not category:
                skipped[f"监测对象类别“{category_text.strip()}”无法对应"] += 1
                continue
            if category != category_text:
                counts.category_mapped += 1
            if main_risk not in risks:
                risks[main_risk] = risk_types_of(main_risk)
            if since is None:
                counts.start_defaulted += 1
            status, gone_on = MonitoredHousehold.Status.MONITORED, None
            if eliminated:
                status, gone_on = MonitoredHousehold.Status.ELIMINATED, eliminated_on or as_of
                counts.eliminated_on_defaulted += eliminated_on is None
                counts.eliminated += 1
            else:
                counts.monitored += 1
            for column, value in zip(
                RECORD_COLUMNS,
                (
                    household_id,
                    village,
                    name,
                    category,
                    main_risk,
                    since or as_of,
                    status,
                    gone_on,
                    measures,
                    (helper or NO_CADRE)[:32],
                    phone[:20],
                ),
                strict=True,
            ):
                records[column].append(value)
        if records["household_id"]:
            _create(records, {text: json.dumps(kinds) for text, kinds in risks.items()}, run, today, counts)
        _start_earlier_imports(today, run, counts)
        counts.skipped = dict(skipped)
        counts.seconds = round(time.perf_counter() - started, 2)
        if counts.created or counts.clock_started:
            _record_import(run, counts)
    return counts


def _create(
    records: dict[str, list[Any]],
    risk_json: dict[str, str],
    run: Run | None,
    today: dt.date,
    counts: ImportCounts,
) -> None:
    """Insert the records as one set through the bulk loader (COPY on PostgreSQL), then
    their registry measures, keyed by the records' new primary keys read back by
    household (the import makes one record per household). At city scale, tens of
    thousands of records and their measures: built as model instances and saved by
    `bulk_create`, they took 19–22 s inside the publish's switch."""
    load = loader()
    run_id = run.pk if run is not None else None
    households = pl.DataFrame(
        {
            "household_id": records["household_id"],
            "village_code": records["village_code"],
            "name": records["name"],
            "category": records["category"],
            "risk_types": [risk_json[text] for text in records["main_risk"]],
            "monitoring_start": records["monitoring_start"],
            "status": records["status"],
            "eliminated_on": records["eliminated_on"],
        },
        schema={
            "household_id": pl.String,
            "village_code": pl.String,
            "name": pl.String,
            "category": pl.String,
            "risk_types": pl.String,
            "monitoring_start": pl.Date,
            "status": pl.String,
            "eliminated_on": pl.Date,
        },
    ).with_columns(
        pl.lit(str(MonitoredHousehold.Source.REGISTRY)).alias("source"),
        pl.lit(run_id, dtype=pl.Int64).alias("imported_run_id"),
        pl.lit(today, dtype=pl.Date).alias("reassessment_clock_start"),
    )
    load.insert(MonitoredHousehold, households)
    counts.created += households.height
    keys = dict(
        MonitoredHousehold.all_objects.filter(
            source=MonitoredHousehold.Source.REGISTRY,
            imported_run_id=run_id,
            reassessment_clock_start=today,
            household__isnull=False,
        ).values_list("household_id", "pk")
    )
    measures: dict[str, list[Any]] = {name: [] for name in MEASURE_COLUMNS}
    items_of: dict[str, list[tuple[str, str]]] = {}
    now = timezone.now()
    created_at = connection.ops.adapt_datetimefield_value(now)
    for household_id, village, start, text, helper, phone in zip(
        records["household_id"],
        records["village_code"],
        records["monitoring_start"],
        records["measures"],
        records["cadre_name"],
        records["cadre_phone"],
        strict=True,
    ):
        if text not in items_of:
            items_of[text] = [(item, measure_kind_of(item)) for item in registry_items(text)]
        for item, kind in items_of[text]:
            for column, value in zip(
                MEASURE_COLUMNS,
                (
                    keys[household_id],
                    household_id,
                    village,
                    kind,
                    kind in WHOLE_HOUSEHOLD,
                    f"国家系统登记的帮扶措施：{item}",
                    start,
                    helper,
                    phone,
                ),
                strict=True,
            ):
                measures[column].append(value)
    frame = pl.DataFrame(measures, schema=MEASURE_SCHEMA).with_columns(
        pl.lit(run_id, dtype=pl.Int64).alias("imported_run_id"),
        pl.lit(created_at if isinstance(created_at, str) else now.isoformat()).alias("created_at"),
        *(pl.lit("").alias(name) for name in ("person_name", "item", "amount_period", "end_note")),
    )
    load.insert(Measure, frame)
    counts.measures += frame.height


def _start_earlier_imports(today: dt.date, run: Run | None, counts: ImportCounts) -> None:
    """Records imported before measures and the clock were: start the clock today, and bring
    the registry's measures to those that have none."""
    earlier = MonitoredHousehold.objects.filter(
        source=MonitoredHousehold.Source.REGISTRY, reassessment_clock_start__isnull=True
    ).select_related("household")
    records = list(earlier)
    if not records:
        return
    with_measures = set(
        Measure.all_objects.filter(
            monitored__source=MonitoredHousehold.Source.REGISTRY,
            monitored__reassessment_clock_start__isnull=True,
        ).values_list("monitored_id", flat=True)
    )
    measures = [
        measure
        for record in records
        if record.pk not in with_measures and record.household is not None
        for measure in registry_measures(
            record,
            record.household.measures,
            record.household.helper_name,
            record.household.helper_phone,
            run,
        )
    ]
    Measure.objects.bulk_create(measures, batch_size=BATCH)
    counts.measures += len(measures)
    counts.clock_started += earlier.update(reassessment_clock_start=today)


def _record_import(run: Run | None, counts: ImportCounts) -> None:
    """One AuditEvent by the system for the whole import, on the run (or, without one, the model)."""
    target = run if run is not None else MonitoredHousehold
    AuditEvent.objects.create(
        user=None,
        action=AuditEvent.Action.CREATE,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(run.pk) if run is not None else "",
        object_repr=counts.describe()[:200],
        new={
            "import": "registry_monitored",
            "created": counts.created,
            "monitored": counts.monitored,
            "eliminated": counts.eliminated,
            "measures": counts.measures,
            "clock_started": counts.clock_started,
            "category_mapped": counts.category_mapped,
            "start_defaulted": counts.start_defaulted,
            "eliminated_on_defaulted": counts.eliminated_on_defaulted,
            "skipped": counts.skipped,
        },
    )
