"""Rectification's verbs: every change to a problem goes through one of these.

Each checks the gate (`can`) and the procedure (`procedure.RECTIFICATION`), then, in one
transaction, changes the problem (an AuditEvent) and writes a `ProblemEvent`::

    open_problem / escalate_findings → 整改中 ─submit_fix→ 已整改待验收 ─accept→ 已验收待销号
        ─close→ 已销号;   send_back → 整改中

Escalating findings links them to the problem; it never changes a finding. Closing the
problem leaves the findings to the work queue and to the next screening: a finding the
next run still flags stays open there, however the problem was closed out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text
from fangfan.web import bounds
from fangfan.web.accounts.access import can, code_in_region
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.procedures import base
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date
from fangfan.web.rectification.models import (
    CATEGORY_CHOICES,
    Problem,
    ProblemEvent,
    ProblemEvidence,
    ScopeLevel,
    Source,
)
from fangfan.web.rectification.procedure import RECTIFICATION
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Finding, Household

# A deadline from today to two years ahead (a project's rectification can run that long).
DEADLINE_AHEAD_DAYS = 2 * 366
CATEGORIES = frozenset(code for code, _ in CATEGORY_CHOICES)


def may(user: User, verb: str, problem: Problem) -> bool:
    """Whether the user may do `verb` to the problem now: the gate and the procedure."""
    return base.may(RECTIFICATION, user, verb, problem)


def region_parts(region: Region) -> tuple[str, str]:
    """The county and township codes of a region (blank above its own level)."""
    code = region.code
    if region.level == Region.Level.CITY:
        return "", ""
    if region.level == Region.Level.COUNTY:
        return code[:6], ""
    return code[:6], code[:9]


@transaction.atomic
def open_problem(
    user: User,
    *,
    source: str,
    scope_level: str,
    region: Region,
    description: str,
    category: str,
    lead_unit: str,
    responsible_person: str,
    measures: str,
    deadline: dt.date,
    batch: str = "",
    serial: str = "",
    source_reference: str = "",
    project: str = "",
    department: str = "",
    households: Iterable[Household] = (),
    findings: Iterable[Finding] = (),
    action: str = ProblemEvent.Action.CREATE,
    note: str = "",
) -> Problem:
    """立项: a problem in `region` (inside the user's), with its owner, measures and deadline.

    The households must lie inside the region; a household-level problem needs at least one.
    """
    county_code, township_code = region_parts(region)
    problem = Problem(
        source=source,
        scope_level=scope_level,
        region_code=region.code,
        county_code=county_code,
        township_code=township_code,
        description=require(description, "请填写问题描述"),
        category=category,
        lead_unit=require(lead_unit, "请填写责任单位"),
        responsible_person=require(responsible_person, "请填写责任人"),
        measures=require(measures, "请填写整改措施"),
        deadline=deadline,
        batch=batch.strip(),
        serial=serial.strip(),
        source_reference=source_reference.strip(),
        project=project.strip(),
        department=department.strip(),
        opened_by=user,
    )
    if not can(user, "rectification_open", problem):
        raise PermissionDenied("您的角色无权录入该地区的整改问题")
    _check_choices(problem)
    require_date(
        deadline, bounds.EARLIEST_EVENT, bounds.today() + dt.timedelta(days=DEADLINE_AHEAD_DAYS), "整改时限"
    )
    households = list(households)
    outside = [
        household.household_id
        for household in households
        if not code_in_region(household.village_code, region)
    ]
    if outside:
        raise WorkflowError(f"农户{'、'.join(outside)}不在问题所在区划内")
    if scope_level in Region.Level.values and region.level != scope_level:
        raise WorkflowError(f"问题层级为“{ScopeLevel(scope_level).label}”，所选区划却是{region.name}")
    if scope_level == ScopeLevel.HOUSEHOLD and not households:
        raise WorkflowError("涉及农户的问题请至少选择一户")
    if scope_level == ScopeLevel.PROJECT and not problem.project:
        raise WorkflowError("请填写涉及的项目")
    if scope_level == ScopeLevel.DEPARTMENT and not problem.department:
        raise WorkflowError("请填写涉及的部门")
    problem.save()
    problem.households.set(households)
    problem.source_findings.set(list(findings))
    record_creation(user, problem)
    ProblemEvent.objects.create(
        problem=problem,
        user=user,
        action=action,
        note=note or f"{problem.get_source_display()}问题立项，{date_text(deadline)}前整改",
        from_status="",
        to_status=problem.status,
    )
    return problem


def _check_choices(problem: Problem) -> None:
    if problem.source not in Source.values:
        raise WorkflowError("请选择问题来源")
    if problem.scope_level not in ScopeLevel.values:
        raise WorkflowError("请选择问题层级")
    if problem.category not in CATEGORIES:
        raise WorkflowError("请选择问题类别")


def narrowest_region(user: User, village_codes: Iterable[str]) -> tuple[Region, str]:
    """The narrowest region holding every village (a village, a township, a county, else the
    user's own) and the problem's level: 农户 when they are one village's."""
    villages = set(village_codes)
    for length in (12, 9, 6):
        codes = {code[:length] for code in villages}
        if len(codes) == 1:
            region = Region.objects.filter(code=codes.pop()).first()
            if region is not None:
                return region, ScopeLevel.HOUSEHOLD if length == 12 else region.level
    assert user.region is not None
    return user.region, user.region.level


@transaction.atomic
def escalate_findings(user: User, findings: Sequence[Finding], **fields: Any) -> Problem:
    """提级: one or many sieve findings become one problem (数据筛查) listing their households.

    The findings themselves are left as they are (their work queue and the next screening
    decide them); the problem only links them.
    """
    if not findings:
        raise WorkflowError("请至少选择一条筛查问题")
    region, level = narrowest_region(user, (finding.village_code for finding in findings))
    households = {finding.household_id: finding.household for finding in findings}
    rules = "、".join(sorted({f"{finding.rule_code} {finding.rule_name}" for finding in findings}))
    return open_problem(
        user,
        source=Source.SCREENING,
        scope_level=level,
        region=region,
        households=list(households.values()),
        findings=findings,
        action=ProblemEvent.Action.ESCALATE,
        note=f"由{len(findings)}条筛查问题提级（{rules}），涉及{len(households)}户",
        **fields,
    )


def store_evidence(
    user: User, problem: Problem, upload: UploadedFile[bytes], event: ProblemEvent | None = None
) -> ProblemEvidence:
    """Keep a proof file under MEDIA_ROOT (served only through the problem's gated view)."""
    today = timezone.localdate()
    suffix = PurePath(upload.name or "").suffix.lower()
    stored = default_storage.save(f"rectification/{today:%Y/%m}/problem{problem.pk}{suffix}", upload)
    return ProblemEvidence.objects.create(
        problem=problem,
        event=event,
        stored_name=stored,
        original_name=(upload.name or f"佐证材料{suffix}")[:255],
        size=upload.size or 0,
        uploaded_by=user,
    )


@transaction.atomic
def submit_fix(
    user: User, problem: Problem, note: str, fixed_on: dt.date, proof: UploadedFile[bytes] | None
) -> ProblemEvent:
    """提交整改: what was done and when (required), with a proof file (required)."""
    problem = begin(RECTIFICATION, user, "submit_fix", problem)
    note = require(note, "请填写整改情况")
    # Not bounded by the day it was entered: a feedback list is often entered after the
    # inspection, and its problems fixed before they reached the ledger.
    require_date(fixed_on, None, timezone.localdate(), "整改完成日期")
    if proof is None:
        raise WorkflowError("请上传整改佐证材料")
    event = advance(
        RECTIFICATION, user, problem, "submit_fix", note, fix_note=note, fixed_on=fixed_on, fixed_by=user
    )
    store_evidence(user, problem, proof, event)
    return event


def same_unit(user: User, other: User | None) -> bool:
    """Whether `user` is `other`, or an account of the same unit and role (the same office)."""
    if other is None:
        return False
    return user.pk == other.pk or (user.region_id == other.region_id and user.role == other.role)


@transaction.atomic
def accept(
    user: User,
    problem: Problem,
    *,
    rechecked_on: dt.date,
    rechecked_by: str,
    result: str,
    proof: UploadedFile[bytes] | None = None,
) -> ProblemEvent:
    """验收: the on-site re-check (date, who, result), by another unit or role than the fixer's."""
    problem = begin(RECTIFICATION, user, "accept", problem)
    if same_unit(user, problem.fixed_by):
        raise WorkflowError("验收须由整改单位以外的单位或角色进行，整改提交人所在单位不能验收本单位的整改")
    earliest = problem.fixed_on or problem.opened_at.date()
    require_date(rechecked_on, earliest, timezone.localdate(), "现场复核日期")
    rechecked_by = require(rechecked_by, "请填写现场复核人员")
    result = require(result, "请填写现场复核结果")
    event = advance(
        RECTIFICATION,
        user,
        problem,
        "accept",
        f"{date_text(rechecked_on)}现场复核（{rechecked_by}）：{result}",
        rechecked_on=rechecked_on,
        rechecked_by=rechecked_by,
        recheck_result=result,
        accepted_by=user,
    )
    if proof is not None:
        store_evidence(user, problem, proof, event)
    return event


@transaction.atomic
def close(user: User, problem: Problem, note: str = "") -> ProblemEvent:
    """销号: the accepted problem is closed out (the county or city office)."""
    problem = begin(RECTIFICATION, user, "close", problem)
    today = timezone.localdate()
    return advance(
        RECTIFICATION, user, problem, "close", note.strip() or "验收合格，予以销号", closed_on=today
    )


def send_back(user: User, problem: Problem, reason: str) -> ProblemEvent:
    """退回: the fix is not accepted; back to 整改中, with the reason."""
    return base.send_back(RECTIFICATION, user, problem, reason)
