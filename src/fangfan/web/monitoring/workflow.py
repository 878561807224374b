"""Relapse monitoring's stages and national procedure numbers.

The stages of identification (`Stage`, on a `Case`) and of risk elimination
(`EliminationStage`, on an `Elimination`) are the choices of their models' `stage`;
who owns each stage, where a record is sent back to and the steps between them are
declared in `fangfan.web.monitoring.procedures` (IDENTIFICATION, ELIMINATION), run by
the shared verbs of `fangfan.web.procedures`.

The village notice's rules (NOTICE_*) are every procedure's, in
`fangfan.web.procedures.notice`.
"""

from __future__ import annotations

from django.db import models

from fangfan.engine.config import ConfigError, env_int

# From discovery to the county's decision (DOMAIN.md, Relapse monitoring). National
# procedure rules, not in the yearly policy files (which this app only reads).
DECISION_DAYS = 15


class Stage(models.TextChoices):
    HOME_CHECK = "home_check", "待入户核实"
    VILLAGE_REVIEW = "village_review", "待村级评议公示"
    NOTICE = "notice", "公示中"
    TOWNSHIP_REVIEW = "township_review", "待乡镇审核"
    COUNTY_DECISION = "county_decision", "待县级审定"
    DECIDED = "decided", "已认定纳入监测"
    REJECTED = "rejected", "不予认定"


OPEN_STAGES = (
    Stage.HOME_CHECK,
    Stage.VILLAGE_REVIEW,
    Stage.NOTICE,
    Stage.TOWNSHIP_REVIEW,
    Stage.COUNTY_DECISION,
)
CLOSED_STAGES = (Stage.DECIDED, Stage.REJECTED)

# Re-assessments (回访/动态评估) are due this many days after the last one (or after the
# monitoring start): quarterly by default, `FANGFAN_REASSESSMENT_DAYS` to change it.
REASSESSMENT_DAYS_DEFAULT = 90
# Income must have stayed at or above the threshold over at least this many months
# before risk elimination may be proposed (DOMAIN.md, Relapse monitoring).
STABLE_INCOME_MONTHS = 6


# 应纳未纳: a candidate the engine flagged (a high or medium monitoring signal) that no
# identification has been started for this many days after the signal was first
# published; `FANGFAN_UNCLAIMED_CANDIDATE_DAYS` to change it. Fifteen, like the days a
# lead has from discovery to the county's decision.
UNCLAIMED_CANDIDATE_DAYS_DEFAULT = 15


def unclaimed_candidate_days() -> int:
    """The days a flagged candidate may wait for an identification, from the environment."""
    days = env_int("FANGFAN_UNCLAIMED_CANDIDATE_DAYS", UNCLAIMED_CANDIDATE_DAYS_DEFAULT)
    if days < 1:
        raise ConfigError(f"环境变量 FANGFAN_UNCLAIMED_CANDIDATE_DAYS 应为正整数，实际为 {days}")
    return days


def reassessment_days() -> int:
    """The re-assessment interval in days, from the environment (read on each call)."""
    days = env_int("FANGFAN_REASSESSMENT_DAYS", REASSESSMENT_DAYS_DEFAULT)
    if days < 1:
        raise ConfigError(f"环境变量 FANGFAN_REASSESSMENT_DAYS 应为正整数，实际为 {days}")
    return days


class EliminationStage(models.TextChoices):
    HOME_CHECK = "home_check", "待入户核实"
    VILLAGE_REVIEW = "village_review", "待村级评议公示"
    NOTICE = "notice", "公示中"
    COUNTY_APPROVAL = "county_approval", "待县级审批"
    APPROVED = "approved", "风险已消除"
    REJECTED = "rejected", "不予消除"


ELIMINATION_OPEN_STAGES = (
    EliminationStage.HOME_CHECK,
    EliminationStage.VILLAGE_REVIEW,
    EliminationStage.NOTICE,
    EliminationStage.COUNTY_APPROVAL,
)
ELIMINATION_CLOSED_STAGES = (EliminationStage.APPROVED, EliminationStage.REJECTED)
