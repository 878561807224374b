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
- the monitoring start from 识别监测时间, or the run's 统计日 (as_of) when blank (counted).

Keyed by household and idempotent: a household that already has a `MonitoredHousehold`
(from the office's own workflow or an earlier import, even a deleted one) is never
touched, so running it again, or after every publish, adds only households newly
monitored in the registry. The office's workflow wins: an imported record is not
updated from later runs either.

It runs at the end of `registry.publish.publish_run` (inside its transaction) and as
`manage.py import_registry_monitored`. Rows are read once and created with
`bulk_create` in batches; one `AuditEvent` (by the system, on the run) records the
counts, not one per household.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from fangfan.web.accounts.models import AuditEvent
from fangfan.web.monitoring.models import Case, Category, MonitoredHousehold, RiskType
from fangfan.web.monitoring.workflow import OPEN_STAGES
from fangfan.web.registry.models import Household, Run

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

FIELDS = (
    "household_id",
    "village_code",
    "head_name",
    "monitoring_category",
    "monitoring_since",
    "risk_eliminated",
    "risk_eliminated_on",
    "main_risk",
)


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
    start_defaulted: int = 0  # 识别监测时间 blank: the run's as-of date
    eliminated_on_defaulted: int = 0  # eliminated without 风险消除时间: the run's as-of date
    category_mapped: int = 0  # category not written exactly, mapped to the nearest
    skipped: dict[str, int] = field(default_factory=dict)  # reason → households
    seconds: float = 0.0

    def describe(self) -> str:
        text = (
            f"从国家系统导入监测对象 {self.created} 户"
            f"（监测中 {self.monitored}，风险已消除 {self.eliminated}）"
        )
        notes = []
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
    with transaction.atomic():
        batch: list[MonitoredHousehold] = []
        for (
            household_id,
            village,
            name,
            category_text,
            since,
            eliminated,
            eliminated_on,
            main_risk,
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
            record = MonitoredHousehold(
                household_id=household_id,
                village_code=village,
                name=name,
                category=category,
                risk_types=list(risks[main_risk]),
                monitoring_start=since or as_of,
                source=MonitoredHousehold.Source.REGISTRY,
                imported_run=run,
            )
            if eliminated:
                record.status = MonitoredHousehold.Status.ELIMINATED
                record.eliminated_on = eliminated_on or as_of
                counts.eliminated_on_defaulted += eliminated_on is None
                counts.eliminated += 1
            else:
                counts.monitored += 1
            batch.append(record)
            if len(batch) >= BATCH:
                MonitoredHousehold.objects.bulk_create(batch)
                counts.created += len(batch)
                batch = []
        if batch:
            MonitoredHousehold.objects.bulk_create(batch)
            counts.created += len(batch)
        counts.skipped = dict(skipped)
        counts.seconds = round(time.perf_counter() - started, 2)
        if counts.created:
            _record_import(run, counts)
    return counts


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
            "category_mapped": counts.category_mapped,
            "start_defaulted": counts.start_defaulted,
            "eliminated_on_defaulted": counts.eliminated_on_defaulted,
            "skipped": counts.skipped,
        },
    )
