"""The village notice (公示): the households under notice, with only what may be posted.

A `NoticeRow` has no field for an ID number, a phone number, a bank account or health
details, so the printable page cannot show them whatever its template does: name,
village group, what is proposed and why, and the notice period. Identification rows
propose 纳入防返贫监测 for the reasons (risk types) the village gives; risk-elimination
rows propose 消除风险 with one fixed reason — income stable above the line and the
risk gone — never the amounts, illnesses or findings behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fangfan.web.monitoring.models import Case, Elimination
from fangfan.web.monitoring.workflow import EliminationStage, Stage

IDENTIFICATION, ELIMINATION = "identification", "elimination"
ELIMINATION_REASON = "收入持续稳定、返贫致贫风险已消除"


@dataclass(frozen=True)
class NoticeRow:
    name: str
    village_group: str
    proposal: str  # what the village proposes: 拟纳入防返贫监测（边缘易致贫户）
    reasons: str  # the reason categories: 因病、缺劳力
    start: dt.date
    end: dt.date
    kind: str = IDENTIFICATION


def households_under_notice(village_code: str) -> list[NoticeRow]:
    """The village's households whose notice is up: identifications first, then eliminations,
    each by notice start and name."""
    cases = Case.objects.filter(village_code=village_code, stage=Stage.NOTICE).order_by(
        "notice_start", "name", "pk"
    )
    rows = [
        NoticeRow(
            name=case.name,
            village_group=case.village_group,
            proposal=f"拟纳入防返贫监测（{case.proposed_category}）",
            reasons=case.proposed_risk_text,
            start=case.notice_start,
            end=case.notice_end,
        )
        for case in cases
        if case.notice_start is not None and case.notice_end is not None
    ]
    eliminations = (
        Elimination.objects.filter(village_code=village_code, stage=EliminationStage.NOTICE)
        .select_related("monitored")
        .order_by("notice_start", "name", "pk")
    )
    return rows + [
        NoticeRow(
            name=elimination.name,
            village_group=elimination.village_group,
            proposal=f"拟消除返贫致贫风险（{elimination.monitored.category}）",
            reasons=ELIMINATION_REASON,
            start=elimination.notice_start,
            end=elimination.notice_end,
            kind=ELIMINATION,
        )
        for elimination in eliminations
        if elimination.notice_start is not None and elimination.notice_end is not None
    ]
