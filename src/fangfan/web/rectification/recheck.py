"""回头看: a reproducible random sample of closed problems, re-checked; a recurrence reopens one.

A draw takes, per county and source, `share` of the problems closed out (已销号) by a day
(default 10%, at least one of each non-empty group), chosen by a seeded generator: the
same seed over the same closed problems draws the same sample, so an inspector can redo
it. A re-check either finds the fix holding (整改到位) or the problem back (复发): then the
problem goes back to 整改中 with a new deadline, marked recurring and counted.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text
from fangfan.web import bounds
from fangfan.web.accounts.access import can, scope
from fangfan.web.accounts.models import User
from fangfan.web.procedures.base import WorkflowError, require, require_date
from fangfan.web.rectification.actions import DEADLINE_AHEAD_DAYS
from fangfan.web.rectification.models import Problem, ProblemEvent, RecheckItem, RecheckSample, Status

DEFAULT_SHARE = Decimal("0.1")


def new_seed() -> int:
    """A seed for a draw nobody chose (kept on the sample, so the draw can be redone)."""
    return secrets.randbelow(10**9)


def drawn_ids(candidates: list[tuple[int, str, str]], share: Decimal, seed: int) -> list[int]:
    """The ids drawn from (id, county code, source) rows: `share` of each county and source
    group (rounded up), chosen by a generator seeded with the seed and the group.

    >>> drawn_ids([(1, "621226", "audit"), (2, "621226", "audit")], Decimal("0.1"), 7)  # doctest: +SKIP
    [2]
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for problem_id, county, source in candidates:
        groups[(county, source)].append(problem_id)
    drawn: list[int] = []
    for (county, source), ids in sorted(groups.items()):
        count = min(len(ids), math.ceil(len(ids) * share))
        generator = random.Random(f"{seed}:{county}:{source}")
        drawn += generator.sample(sorted(ids), count)
    return sorted(drawn)


@transaction.atomic
def draw_sample(
    user: User,
    *,
    share: Decimal = DEFAULT_SHARE,
    seed: int | None = None,
    closed_before: dt.date | None = None,
    note: str = "",
) -> RecheckSample:
    """Draw a 回头看 sample of the problems closed out in the user's region by `closed_before`."""
    if user.region is None or not can(
        user, "rectification_recheck", RecheckSample(region_code=user.region.code)
    ):
        raise PermissionDenied("您的角色无权组织回头看")
    if not Decimal("0") < share <= Decimal("1"):
        raise WorkflowError("抽查比例应大于0且不超过100%")
    closed_before = closed_before or timezone.localdate()
    seed = new_seed() if seed is None else seed
    closed = scope(Problem.objects.filter(status=Status.CLOSED, closed_on__lte=closed_before), user)
    candidates = list(closed.order_by("pk").values_list("pk", "county_code", "source"))
    if not candidates:
        raise WorkflowError(f"{date_text(closed_before)}及以前没有已销号的问题可供抽查")
    sample = RecheckSample.objects.create(
        region_code=user.region.code,
        seed=seed,
        share=share,
        closed_before=closed_before,
        drawn_by=user,
        note=note.strip(),
    )
    RecheckItem.objects.bulk_create(
        RecheckItem(sample=sample, problem_id=problem_id) for problem_id in drawn_ids(candidates, share, seed)
    )
    return sample


@transaction.atomic
def record_recheck(
    user: User,
    item: RecheckItem,
    *,
    result: str,
    checked_on: dt.date,
    note: str,
    new_deadline: dt.date | None = None,
) -> RecheckItem:
    """What the re-check found: 整改到位, or 复发 (the problem reopens, with a new deadline)."""
    item = RecheckItem.objects.select_for_update().select_related("problem", "sample").get(pk=item.pk)
    problem = Problem.objects.select_for_update().get(pk=item.problem_id)
    if not can(user, "rectification_recheck", problem):
        raise PermissionDenied("您的角色无权记录回头看结果")
    if item.result != RecheckItem.Result.PENDING:
        raise WorkflowError(f"该问题的回头看已记录为“{item.get_result_display()}”")
    if result not in (RecheckItem.Result.HOLDS, RecheckItem.Result.RECURRED):
        raise WorkflowError("请选择复查结果")
    require_date(checked_on, item.sample.drawn_at.date(), timezone.localdate(), "复查日期")
    note = require(note, "请填写复查情况")
    if result == RecheckItem.Result.RECURRED:
        _reopen(user, problem, note, new_deadline)
    else:
        ProblemEvent.objects.create(
            problem=problem,
            user=user,
            action=ProblemEvent.Action.RECHECK,
            note=f"回头看（{date_text(checked_on)}）整改到位：{note}",
            from_status=problem.status,
            to_status=problem.status,
        )
    item.result, item.checked_on, item.checked_by, item.note = result, checked_on, user, note
    item.save(update_fields=["result", "checked_on", "checked_by", "note"])
    return item


def _reopen(user: User, problem: Problem, note: str, new_deadline: dt.date | None) -> None:
    if problem.status != Status.CLOSED:
        raise WorkflowError("该问题已不是“已销号”，不能再记为复发")
    latest = bounds.today() + dt.timedelta(days=DEADLINE_AHEAD_DAYS)
    require_date(new_deadline, bounds.today(), latest, "复发后的整改时限")
    assert new_deadline is not None
    problem.update_audited(
        user,
        status=Status.IN_PROGRESS,
        recurring=True,
        recurrences=problem.recurrences + 1,
        deadline=new_deadline,
        closed_on=None,
    )
    ProblemEvent.objects.create(
        problem=problem,
        user=user,
        action=ProblemEvent.Action.RECUR,
        note=f"回头看发现复发：{note}；重新整改，{date_text(new_deadline)}前完成",
        from_status=Status.CLOSED,
        to_status=Status.IN_PROGRESS,
    )
