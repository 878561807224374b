"""衔接资金项目's verbs: every change to a project goes through one of these.

Each checks the gate (`can`), then writes in one transaction with its AuditEvent::

    create_project / update_project   (project_edit: the library, its fund sources)
    report_progress                   (project_progress: percent, note, photos; the first
                                        report above 0% starts it, 100% finishes it)
    record_payment, add_beneficiary   (project_edit)
    accept_project                    (project_accept: never by whoever reported the finish)

Photos are checked and re-encoded by the evidence app (`evidence.files.check_file`: type
by content, EXIF stripped) before the transaction and kept once by content (`storage.keep`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fangfan.engine.fieldwork.projects import BENEFIT_LABELS, FUND_LABELS, KIND_LABELS, budget_problem
from fangfan.engine.formatting import date_text, money_text
from fangfan.web import bounds
from fangfan.web.accounts.access import can, code_in_region, level_prefix, within_region
from fangfan.web.accounts.audit import record_change, record_creation, track_changes
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.evidence.actions import _aware
from fangfan.web.evidence.files import Checked, Refused, check_file, shown_name, size_text
from fangfan.web.evidence.storage import keep
from fangfan.web.procedures.base import WorkflowError, require, require_date
from fangfan.web.projects.models import (
    Beneficiary,
    FundSource,
    Payment,
    ProgressPhoto,
    ProgressReport,
    Project,
)
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.double_tap import tapped_again

PLAN_AHEAD_DAYS = 10 * 366  # a plan may run years ahead; a date further off is a typing slip
MAX_PHOTOS = 9
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Plan:
    """What the library says of a project (a form's or an Excel row's fields)."""

    name: str
    kind: str
    content: str
    planned_start: dt.date
    planned_finish: dt.date
    funds: Mapping[str, Decimal]
    budget_yuan: Decimal


def _require(user: User, action: str, project: Project, message: str) -> None:
    if not can(user, action, project):
        raise PermissionDenied(message)


def _check_plan(plan: Plan) -> None:
    require(plan.name, "请填写项目名称")
    if plan.kind not in KIND_LABELS:
        raise WorkflowError("请选择项目类别")
    earliest, latest = bounds.EARLIEST_EVENT, bounds.today() + dt.timedelta(days=PLAN_AHEAD_DAYS)
    require_date(plan.planned_start, earliest, latest, "计划开工日期")
    require_date(plan.planned_finish, earliest, latest, "计划完工日期")
    if plan.planned_finish < plan.planned_start:
        raise WorkflowError("计划完工日期不能早于计划开工日期")
    problem = budget_problem(plan.budget_yuan, {k: v for k, v in plan.funds.items() if v})
    if problem:
        raise WorkflowError(problem)


def _apply(project: Project, plan: Plan) -> None:
    project.name = plan.name.strip()[:200]
    project.kind = plan.kind
    project.content = plan.content.strip()
    project.planned_start = plan.planned_start
    project.planned_finish = plan.planned_finish
    project.budget_yuan = plan.budget_yuan


def _set_funds(user: User, project: Project, funds: Mapping[str, Decimal]) -> None:
    """Replace the project's fund sources, the change recorded on the project's trail."""
    old = {fund.get_level_display(): str(fund.amount_yuan.quantize(FEN)) for fund in project.funds.all()}
    new = {FUND_LABELS[level]: str(amount.quantize(FEN)) for level, amount in funds.items() if amount}
    if old != new:
        record_change(user, project, {"资金来源": old}, {"资金来源": new}, AuditEvent.Action.UPDATE)
    project.funds.all().delete()
    FundSource.objects.bulk_create(
        FundSource(project=project, level=level, amount_yuan=amount)
        for level, amount in funds.items()
        if amount
    )


@transaction.atomic
def create_project(user: User, region: Region, plan: Plan, number: str = "") -> Project:
    """录入项目: a project located in `region` (inside the user's), its budget = its sources' sum."""
    project = Project(
        number=number.strip() or f"XM{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}",
        region_code=region.code,
        county_code=level_prefix(region.code, Region.Level.COUNTY),
        created_by=user,
    )
    if region.level == Region.Level.CITY:
        raise WorkflowError("项目须落在县区、乡镇或村，请选择项目所在地")
    _require(user, "project_edit", project, "您无权录入该地区的项目")
    _check_plan(plan)
    if Project.objects.filter(number=project.number).exists():
        raise WorkflowError(f"项目编号“{project.number}”已存在")
    _apply(project, plan)
    project.save()
    _set_funds(user, project, plan.funds)
    record_creation(user, project)
    return project


@transaction.atomic
def update_project(user: User, project: Project, region: Region, plan: Plan) -> Project:
    """更新项目 (an Excel row with a known 项目编号): the plan and its sources, replaced."""
    _require(user, "project_edit", project, "您无权修改该项目")
    _check_plan(plan)
    if project.paid_yuan > plan.budget_yuan:
        raise WorkflowError(f"已支付{money_text(project.paid_yuan)}，预算不能少于已支付金额")
    if project.beneficiaries.exclude(within_region("household__village_code", region)).exists():
        raise WorkflowError(f"该项目已登记的受益户有不在{region.name}的，不能把项目所在地改为{region.name}")
    with track_changes(user, project):
        _apply(project, plan)
        project.region_code = region.code
        project.county_code = level_prefix(region.code, Region.Level.COUNTY)
        _require(user, "project_edit", project, "项目所在地不在您的区划内")
        project.save()
    _set_funds(user, project, plan.funds)
    project.beneficiaries.exclude(region_code=project.region_code).update(region_code=project.region_code)
    return project


def check_photos(photos: Sequence[UploadedFile[bytes]]) -> list[tuple[str, Checked]]:
    """Each photo checked and re-encoded (Refused names the file and why), before any write."""
    if len(photos) > MAX_PHOTOS:
        raise Refused(f"一次最多上传{MAX_PHOTOS}张照片")
    limit = settings.FANGFAN_EVIDENCE_MAX_BYTES
    checked = []
    for photo in photos:
        name = photo.name or "照片"
        if photo.size and photo.size > limit:
            raise Refused(
                f"文件“{shown_name(name)}”有{size_text(photo.size)}，超过{size_text(limit)}的上限，未保存。"
            )
        result = check_file(
            name, photo.read(limit + 1), max_bytes=limit, max_pixels=settings.FANGFAN_EVIDENCE_MAX_PIXELS
        )
        if not result.content_type.startswith("image/"):
            raise Refused(f"文件“{shown_name(name)}”不是照片（JPG、PNG），进度照片请上传现场照片。")
        checked.append((name, result))
    return checked


def report_progress(
    user: User,
    project: Project,
    *,
    reported_on: dt.date,
    percent: int,
    note: str,
    photos: Sequence[UploadedFile[bytes]] = (),
) -> ProgressReport:
    """报进度: the share done (0–100) on a day, what was done, photos; 100% reports the finish."""
    _require(user, "project_progress", project, "您无权报告该项目的进度")
    checked = check_photos(photos)  # seconds of Pillow work, outside the transaction
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.accepted:
            raise WorkflowError("项目已验收，不再报告进度")
        require_date(
            reported_on, project.planned_start - dt.timedelta(days=366), timezone.localdate(), "进度日期"
        )
        if not 0 <= percent <= 100:
            raise WorkflowError("完成进度应在0到100之间")
        if percent < project.progress_percent:
            raise WorkflowError(f"上次报告的进度为{project.progress_percent}%，进度不能倒退")
        if project.progress_on and reported_on < project.progress_on:
            raise WorkflowError(f"已有{date_text(project.progress_on)}的进度报告，请填写此后的日期")
        report = ProgressReport.objects.create(
            project=project, reported_on=reported_on, percent=percent, note=note.strip(), reported_by=user
        )
        record_creation(user, report)
        for name, photo in checked:
            stored = keep(photo)
            ProgressPhoto.objects.create(
                report=report, file=stored, original_name=name[:255], taken_at=_aware(photo.taken_at)
            )
        with track_changes(user, project):
            project.progress_percent, project.progress_on = percent, reported_on
            if percent > 0 and project.actual_start is None:
                project.actual_start = reported_on
            if percent == 100 and project.actual_finish is None:
                project.actual_finish, project.finish_reported_by = reported_on, user
            project.save()
    return report


@transaction.atomic
def record_payment(
    user: User, project: Project, *, paid_on: dt.date, amount_yuan: Decimal, level: str, note: str = ""
) -> Payment:
    """登记支付: a sum paid from one of the project's sources; never more than the budget in all.

    The same payment (day, sum, source, note) from the same person within `DOUBLE_TAP` is the
    first one (a second click while the page was slow), not a second payment.
    """
    _require(user, "project_edit", project, "您无权登记该项目的资金支付")
    project = Project.objects.select_for_update().get(pk=project.pk)
    require_date(paid_on, bounds.EARLIEST_EVENT, timezone.localdate(), "支付日期")
    if level not in FUND_LABELS:
        raise WorkflowError("请选择资金来源")
    if amount_yuan <= 0:
        raise WorkflowError("支付金额应大于0")
    again = tapped_again(
        project.payments.all(),
        user,
        paid_on=paid_on,
        amount_yuan=amount_yuan,
        level=level,
        note=note.strip()[:200],
    )
    if again is not None:
        return again
    if project.paid_yuan + amount_yuan > project.budget_yuan:
        raise WorkflowError(
            f"已支付{money_text(project.paid_yuan)}，再付{money_text(amount_yuan)}将超过项目预算"
            f"{money_text(project.budget_yuan)}"
        )
    payment = Payment.objects.create(
        project=project,
        paid_on=paid_on,
        amount_yuan=amount_yuan,
        level=level,
        note=note.strip()[:200],
        recorded_by=user,
    )
    record_creation(user, payment)
    with track_changes(user, project):
        project.paid_yuan = project.payments.aggregate(total=Sum("amount_yuan"))["total"] or Decimal(0)
        project.save()
    return payment


@transaction.atomic
def accept_project(
    user: User, project: Project, *, accepted_on: dt.date, accepted_by_names: str, note: str
) -> Project:
    """验收: a finished project is accepted, by another user than the one who reported the finish."""
    _require(user, "project_accept", project, "您无权验收该项目")
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.actual_finish is None:
        raise WorkflowError("项目尚未报告完工，不能验收")
    if project.accepted:
        raise WorkflowError(f"项目已于{date_text(project.accepted_on)}验收")
    if project.finish_reported_by_id == user.pk:
        raise WorkflowError("验收须由完工报告人以外的人员进行，您报告了该项目完工，不能验收")
    require_date(accepted_on, project.actual_finish, timezone.localdate(), "验收日期")
    with track_changes(user, project):
        project.accepted_on = accepted_on
        project.accepted_by_names = require(accepted_by_names, "请填写验收人员")[:200]
        project.acceptance_note = require(note, "请填写验收意见")
        project.accepted_by = user
        project.save()
    return project


@transaction.atomic
def add_beneficiary(
    user: User, project: Project, household: Household, *, benefit: str, yuan_per_year: Decimal
) -> Beneficiary:
    """联农带农: a household of the project's area benefits (分红/务工/土地流转/带动发展), yuan a year.

    The same household and benefit again updates the yearly sum.
    """
    _require(user, "project_edit", project, "您无权登记该项目的受益户")
    if benefit not in BENEFIT_LABELS:
        raise WorkflowError("请选择带动方式")
    if yuan_per_year < 0:
        raise WorkflowError("年受益金额不能为负数")
    if not code_in_region(household.village_code, Region.objects.get(code=project.region_code)):
        raise WorkflowError(f"{household.head_name}户不在项目所在地范围内")
    found = Beneficiary.objects.filter(project=project, household=household, benefit=benefit).first()
    if found is not None:
        with track_changes(user, found):
            found.yuan_per_year = yuan_per_year
            found.save()
        return found
    beneficiary = Beneficiary.objects.create(
        project=project,
        household=household,
        region_code=project.region_code,
        benefit=benefit,
        yuan_per_year=yuan_per_year,
    )
    record_creation(user, beneficiary)
    return beneficiary
