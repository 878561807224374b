"""What a monitoring signal can be: its code, Chinese name, sieve rule and risk type.

Seven signals are the sieve's own findings read again (`rule_codes`): the sieve
already flags them, so the signal carries the finding's message and evidence and
names its rule. Four are worked out here, because no rule says them: the income fall
since the previous snapshot, rigid spending against income, a member's death (also
when the registry already records it) and a new serious illness.
"""

from __future__ import annotations

from dataclasses import dataclass

# The standard risk types (主要风险类型), in the order the national system lists them.
RISK_TYPES = (
    "因病",
    "因残",
    "因学",
    "因灾",
    "因意外事故",
    "因产业项目失败",
    "因务工就业不稳",
    "缺劳力",
    "其他",
)
CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}

# Where a household stands in monitoring, from the registry (户类型, 监测对象类别, 风险是否消除).
MONITORED = "监测中"
ELIMINATED = "风险已消除"
NOT_MONITORED = "未纳入监测"


@dataclass(frozen=True)
class Signal:
    code: str
    name: str
    rule_codes: tuple[str, ...] = ()  # the sieve rules whose findings are this signal
    risk_type: str | None = None  # None: worked out per household (income signals)


INCOME_BELOW_THRESHOLD = Signal("INCOME_BELOW_THRESHOLD", "人均纯收入低于监测标准", ("INC-001",))
INCOME_SHARP_DROP = Signal("INCOME_SHARP_DROP", "人均纯收入比上年大幅下降", ("MON-002",))
INCOME_FALL_SINCE_PREVIOUS = Signal("INCOME_FALL_SINCE_PREVIOUS", "人均纯收入比上次数据大幅下降")
RIGID_SPENDING = Signal("RIGID_SPENDING_OVER_INCOME", "刚性支出明显超过收入")
LARGE_MEDICAL_BILLS = Signal("LARGE_MEDICAL_BILLS", "合规自付医疗费用负担过重", ("MED-004",), "因病")
NEW_SERIOUS_ILLNESS = Signal("NEW_SERIOUS_ILLNESS", "成员新发大病", (), "因病")
NEW_DISABILITY = Signal("NEW_DISABILITY", "成员新办或变更残疾人证", ("SOC-002",), "因残")
MEMBER_DIED = Signal("MEMBER_DIED", "家庭成员死亡")
DISASTER_HOUSE_DAMAGE = Signal("DISASTER_HOUSE_DAMAGE", "房屋因灾严重损坏或倒塌", ("MON-001",), "因灾")
CHILD_DROPPED_OUT = Signal("CHILD_DROPPED_OUT", "适龄儿童失学辍学", ("EDU-001", "EDU-002"), "因学")

SIGNALS: tuple[Signal, ...] = (
    INCOME_BELOW_THRESHOLD,
    INCOME_SHARP_DROP,
    INCOME_FALL_SINCE_PREVIOUS,
    RIGID_SPENDING,
    LARGE_MEDICAL_BILLS,
    NEW_SERIOUS_ILLNESS,
    NEW_DISABILITY,
    MEMBER_DIED,
    DISASTER_HOUSE_DAMAGE,
    CHILD_DROPPED_OUT,
)
SIGNAL_OF_RULE = {rule: signal for signal in SIGNALS for rule in signal.rule_codes}

# monitoring_signals.parquet: one row per signal.
SIGNAL_COLUMNS = (
    "run_id",
    "household_id",
    "id_number",
    "village_code",
    "county_code",
    "township_code",
    "signal_code",
    "signal_name",
    "severity",
    "risk_type",
    "rule_code",
    "message",
    "evidence",
    "policy_year",
)

# monitoring_households.parquet: one row per household of the snapshot.
HOUSEHOLD_COLUMNS = (
    "run_id",
    "household_id",
    "village_code",
    "county_code",
    "township_code",
    "household_type",
    "monitoring_category",
    "risk_eliminated",
    "registry_main_risk",
    "monitoring_status",
    "policy_year",
    "income_year",
    "monitoring_threshold",
    "net_income",
    "net_income_per_capita",
    "below_threshold",
    "previous_net_income_per_capita",
    "previous_snapshot_id",
    "previous_snapshot_net_income_per_capita",
    "medical_spending",
    "schooling_spending",
    "disaster_loss",
    "rigid_spending",
    "members_normal",
    "labour_capable_count",
    "has_labour_capacity",
    "on_dibao",
    "on_tekun",
    "on_safety_net",
    "has_safety_net_measure",
    "veto_findings",
    "signal_count",
    "signal_codes",
    "signals",
    "severity",
    "risk_types",
    "main_risk",
    "suggested_category",
    "at_risk",
    "is_candidate",
)
