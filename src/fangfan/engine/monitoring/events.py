"""The signals no sieve rule says, worked out over whole columns.

- `income_fall_since_previous`: per-capita net income fell by more than
  `income.sharp_drop_share` against the previous snapshot. Where the sieve's MON-002
  already says income fell against last year, it is left out (same household, same
  story).
- `rigid_spending`: medical self-pay + schooling beyond compulsory education +
  disaster losses exceed `monitoring.rigid_spending_share_of_income` × net income.
- `member_died`: civil registration (公安) records a member's death since the income
  year began; it names IDN-002 when the registry still lists the member as 正常. High
  when the member was of working age and able to work, low otherwise.
- `new_serious_illness`: a member's medical costs in the income year (医保结算) reach
  `monitoring.serious_illness_total_cost_yuan` while the registry's health status is
  not 患有大病.

Each returns rows with `EVENT_COLUMNS`.
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.monitoring import evidence as ev
from fangfan.engine.monitoring.catalogue import (
    INCOME_FALL_SINCE_PREVIOUS,
    INCOME_SHARP_DROP,
    MEMBER_DIED,
    NEW_SERIOUS_ILLNESS,
    RIGID_SPENDING,
    Signal,
)
from fangfan.engine.monitoring.facts import DEAD, Context
from fangfan.engine.people import able_to_work, of_working_age
from fangfan.engine.rules.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS

EVENT_COLUMNS = (
    "household_id",
    "id_number",
    "village_code",
    "signal_code",
    "signal_name",
    "severity",
    "risk_type",
    "rule_code",
    "message",
    "evidence",
)
COMPUTED = "计算"
SERIOUS_HEALTH = ("患有大病", "长期慢性病")


def _rows(
    frame: pl.LazyFrame,
    signal: Signal,
    *,
    severity: pl.Expr,
    risk_type: pl.Expr,
    message: list[pl.Expr],
    entries: list[ev.Entry],
    rule_code: pl.Expr | None = None,
    person: bool = False,
) -> pl.LazyFrame:
    return frame.select(
        pl.col("household_id"),
        (pl.col("id_number") if person else pl.lit(None, dtype=pl.String)).alias("id_number"),
        pl.col("village_code"),
        pl.lit(signal.code).alias("signal_code"),
        pl.lit(signal.name).alias("signal_name"),
        severity.alias("severity"),
        risk_type.alias("risk_type"),
        (rule_code if rule_code is not None else pl.lit(None, dtype=pl.String)).alias("rule_code"),
        pl.concat_str(message).alias("message"),
        ev.evidence_json(entries).alias("evidence"),
    )


def income_fall_since_previous(facts: pl.DataFrame, findings: pl.DataFrame, context: Context) -> pl.LazyFrame:
    share = context.policy.number("income.sharp_drop_share")
    previous = pl.col("previous_snapshot_net_income_per_capita")
    told = findings.filter(pl.col("rule_code").is_in(INCOME_SHARP_DROP.rule_codes)).select("household_id")
    fell = (
        facts.lazy()
        .filter((previous > 0) & (pl.col("net_income_per_capita") < previous * (1 - share)))
        .join(told.lazy(), on="household_id", how="anti")
    )
    wide = HOUSEHOLD_COLUMNS
    return _rows(
        fell,
        INCOME_FALL_SINCE_PREVIOUS,
        severity=pl.lit("medium"),
        risk_type=pl.col("snapshot_fall_risk"),
        message=[
            pl.col("head_name").fill_null(""),
            pl.lit("户"),
            pl.col("income_year").cast(pl.String),
            pl.lit("年人均纯收入"),
            ev.text("net_income_per_capita"),
            pl.lit("元，上次数据（快照"),
            pl.col("previous_snapshot_id"),
            pl.lit("，"),
            pl.col("previous_snapshot_income_year").cast(pl.String),
            pl.lit("年收入）为"),
            ev.text("previous_snapshot_net_income_per_capita"),
            pl.lit(f"元，下降超过{ev.number_text(share)}，请核实原因、评估是否纳入监测。"),
        ],
        entries=[
            ev.column(wide["net_income_per_capita"]),
            ev.column(wide["income_year"]),
            ("上次快照人均纯收入(按分项重算)", previous, COMPUTED),
            ("上次快照收入年度", pl.col("previous_snapshot_income_year"), COMPUTED),
            ("上次快照编号", pl.col("previous_snapshot_id"), COMPUTED),
            ev.column(wide["household_type"]),
            ev.parameter(context.policy, "income.sharp_drop_share", "收入大幅缩减比例"),
            *ev.placeholders(context.policy, ["income.sharp_drop_share"]),
        ],
    )


_RIGID_PARAMETERS = (
    "monitoring.rigid_spending_share_of_income",
    "monitoring.schooling_cost_senior_secondary_yuan",
    "monitoring.schooling_cost_tertiary_yuan",
)


def rigid_spending(facts: pl.DataFrame, context: Context) -> pl.LazyFrame:
    policy = context.policy
    share = policy.number("monitoring.rigid_spending_share_of_income")
    spending = pl.col("rigid_spending")
    over = facts.lazy().filter((spending > 0) & (spending > share * pl.col("net_income")))
    medical, schooling, disaster = (
        pl.col(c).fill_null(0) for c in ("medical_spending", "schooling_spending", "disaster_loss")
    )
    largest = (
        pl.when((medical >= schooling) & (medical >= disaster))
        .then(pl.lit("因病"))
        .when(disaster >= schooling)
        .then(pl.lit("因灾"))
        .otherwise(pl.lit("因学"))
    )
    return _rows(
        over,
        RIGID_SPENDING,
        severity=pl.lit("high"),
        risk_type=largest,
        message=[
            pl.col("head_name").fill_null(""),
            pl.lit("户"),
            pl.col("income_year").cast(pl.String),
            pl.lit("年刚性支出"),
            ev.text("rigid_spending"),
            pl.lit("元（合规自付医疗费用"),
            ev.text("medical_spending"),
            pl.lit("元、就学支出估算"),
            ev.text("schooling_spending"),
            pl.lit("元、灾害直接经济损失"),
            ev.text("disaster_loss"),
            pl.lit("元），家庭纯收入"),
            ev.text("net_income"),
            pl.lit("元，刚性支出明显超过收入，请入户核实、评估是否纳入监测。"),
        ],
        entries=[
            ("刚性支出合计", spending, COMPUTED),
            ("合规自付医疗费用(收入年度)", pl.col("medical_spending"), pl.col("medical_source")),
            ("就学支出估算(非义务教育阶段在校生)", pl.col("schooling_spending"), COMPUTED),
            ("高中、中职在校生人数", pl.col("senior_students"), "成员信息"),
            ("高职、大专及以上在校生人数", pl.col("tertiary_students"), "成员信息"),
            ("灾害直接经济损失(收入年度起合计)", pl.col("disaster_loss"), "应急管理"),
            ev.column(HOUSEHOLD_COLUMNS["net_income"]),
            ev.column(HOUSEHOLD_COLUMNS["household_type"]),
            ev.parameter(policy, "monitoring.rigid_spending_share_of_income", "刚性支出占纯收入比例"),
            *ev.placeholders(policy, _RIGID_PARAMETERS),
        ],
    )


def member_died(context: Context) -> pl.LazyFrame:
    policy = context.policy
    recent = (pl.col("registration_change_date") >= context.window_start) | (
        pl.col("registration_change_date").is_null() & (pl.col("member_status") == "正常")
    )
    died = context.wide.person_wide.lazy().filter(
        (pl.col("registration_status") == "死亡") & recent & (pl.col("member_status").is_in(["正常", *DEAD]))
    )
    working_age = of_working_age(policy)
    still_listed = pl.col("member_status") == "正常"
    person = PERSON_COLUMNS
    return _rows(
        died,
        MEMBER_DIED,
        # A working member's death takes away income; another's is shown, but does not on
        # its own make the household a candidate (households.AT_RISK_SEVERITIES).
        severity=pl.when(able_to_work(policy)).then(pl.lit("high")).otherwise(pl.lit("low")),
        risk_type=pl.when(pl.col("health").is_in(SERIOUS_HEALTH))
        .then(pl.lit("因病"))
        .when(working_age)
        .then(pl.lit("因意外事故"))
        .otherwise(pl.lit("其他")),
        rule_code=pl.when(still_listed).then(pl.lit("IDN-002")),
        person=True,
        message=[
            pl.col("name").fill_null(""),
            pl.lit("（"),
            ev.text("age", "integer"),
            pl.lit("岁，"),
            pl.col("labour").fill_null("劳动技能未登记"),
            pl.lit("）公安户籍"),
            pl.col("registration_change_date").cast(pl.String).fill_null("（日期不详）"),
            pl.lit("登记死亡"),
            pl.when(still_listed).then(pl.lit("，系统中人员状态仍为正常")).otherwise(pl.lit("")),
            pl.lit("，请入户核实家庭劳动力和收支变化，评估是否纳入监测。"),
        ],
        entries=[
            ev.column(person[c])
            for c in (
                "name",
                "age",
                "member_status",
                "labour",
                "health",
                "registration_status",
                "registration_change_date",
            )
        ],
    )


def new_serious_illness(context: Context) -> pl.LazyFrame:
    claims = context.feed("medical_claims")
    if claims is None:
        return pl.LazyFrame(schema=_EMPTY)
    limit = context.policy.number("monitoring.serious_illness_total_cost_yuan")
    money = ("total_cost", "critical_illness_reimbursed", "compliant_selfpay")
    this_year = claims.filter(pl.col("settlement_date").cast(pl.Date).dt.year() == context.income_year)
    # Sums of yuan rounded to the fen, as the wide tables' (`wide.py`): a float sum's last
    # digit depends on the order the threads add in, and evidence must not change run to run.
    per_person = this_year.group_by("person_key").agg(
        pl.col(c).cast(pl.Float64).fill_null(0).sum().round(2) for c in money
    )
    people = context.wide.person_wide.lazy().filter(pl.col("member_status") == "正常")
    ill = people.join(per_person, left_on="id_number", right_on="person_key").filter(
        (pl.col("total_cost") >= limit) & (pl.col("health").fill_null("") != "患有大病")
    )
    return _rows(
        ill,
        NEW_SERIOUS_ILLNESS,
        severity=pl.lit("high"),
        risk_type=pl.lit("因病"),
        person=True,
        message=[
            pl.col("name").fill_null(""),
            pl.lit(f"{context.income_year}年医疗总费用"),
            ev.text("total_cost"),
            pl.lit("元（大病保险报销"),
            ev.text("critical_illness_reimbursed"),
            pl.lit("元、合规自付"),
            ev.text("compliant_selfpay"),
            pl.lit("元），系统健康状况登记为“"),
            pl.col("health").fill_null("未登记"),
            pl.lit("”，可能新发大病，请入户核实并落实健康帮扶、评估是否纳入监测。"),
        ],
        entries=[
            ev.column(PERSON_COLUMNS["name"]),
            ev.column(PERSON_COLUMNS["health"]),
            ("医疗总费用(收入年度合计)", pl.col("total_cost"), "医保结算"),
            ("大病保险报销(收入年度合计)", pl.col("critical_illness_reimbursed"), "医保结算"),
            ("合规自付费用(收入年度合计)", pl.col("compliant_selfpay"), "医保结算"),
            ev.parameter(
                context.policy, "monitoring.serious_illness_total_cost_yuan", "新发大病医疗总费用标准"
            ),
            *ev.placeholders(context.policy, ["monitoring.serious_illness_total_cost_yuan"]),
        ],
    )


_EMPTY = {name: pl.String for name in EVENT_COLUMNS}
