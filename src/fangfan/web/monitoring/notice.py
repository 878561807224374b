"""The village notice (公示): the households under notice, with only what may be posted.

A `NoticeRow` has no field for an ID number, a phone number, a bank account or health
details, so the printable page cannot show them whatever its template does: name,
village group, what is proposed and why (the risk types), and the notice period.
Risk elimination will add its own rows here ("拟消除风险") when it is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fangfan.web.monitoring.models import Case
from fangfan.web.monitoring.workflow import Stage


@dataclass(frozen=True)
class NoticeRow:
    name: str
    village_group: str
    proposal: str  # what the village proposes: 拟纳入防返贫监测（边缘易致贫户）
    reasons: str  # the reason categories: 因病、缺劳力
    start: dt.date
    end: dt.date


def households_under_notice(village_code: str) -> list[NoticeRow]:
    """The village's households whose notice is up (cases in 公示中), by notice start and name."""
    cases = Case.objects.filter(village_code=village_code, stage=Stage.NOTICE).order_by(
        "notice_start", "name", "pk"
    )
    return [
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
