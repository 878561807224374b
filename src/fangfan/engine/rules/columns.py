"""The columns of the two wide tables the rules read: name, Chinese label, source, type.

The checker accepts a rule only if it names columns listed here; the findings'
evidence takes each column's label and source from here, so a finding says both
what a value means and which department (or the registry) it came from.
Columns computed by the sieve say `计算` as their source.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON_WIDE = "person_wide"
HOUSEHOLD_WIDE = "household_wide"
WIDE_TABLES = (PERSON_WIDE, HOUSEHOLD_WIDE)

HOUSEHOLDS = "户信息"
MEMBERS = "成员信息"
INCOME = "收入信息"
COMPUTED = "计算"


@dataclass(frozen=True)
class WideColumn:
    name: str
    label: str
    source: str
    dtype: str  # text | integer | number | date | boolean


def _columns(rows: tuple[tuple[str, str, str, str], ...]) -> dict[str, WideColumn]:
    return {name: WideColumn(name, label, source, dtype) for name, label, source, dtype in rows}


_REGION = (
    ("household_id", "户编号", HOUSEHOLDS, "text"),
    ("village_code", "行政区划代码", HOUSEHOLDS, "text"),
    ("county_code", "县(区)代码", COMPUTED, "text"),
    ("township_code", "乡(镇)代码", COMPUTED, "text"),
    ("village_name", "行政村", HOUSEHOLDS, "text"),
    ("household_type", "户类型", HOUSEHOLDS, "text"),
    ("head_name", "户主姓名", HOUSEHOLDS, "text"),
    ("measures", "帮扶措施", HOUSEHOLDS, "text"),
    ("has_safety_net_measure", "帮扶措施含兜底保障", HOUSEHOLDS, "boolean"),
    ("income_year", "收入年度", COMPUTED, "integer"),
)

PERSON_COLUMNS: dict[str, WideColumn] = _columns(
    (
        *_REGION,
        ("id_number", "证件号码", MEMBERS, "text"),
        ("id_number_valid", "证件号码校验通过", "导入校验", "boolean"),
        ("id_problem", "证件号码问题", "导入校验", "text"),
        ("name", "姓名", MEMBERS, "text"),
        ("relation", "与户主关系", MEMBERS, "text"),
        ("sex", "性别", MEMBERS, "text"),
        ("birth_date", "出生日期", MEMBERS, "date"),
        ("age", "年龄(截至统计日)", COMPUTED, "integer"),
        ("schooling", "在校生情况", MEMBERS, "text"),
        ("health", "健康状况", MEMBERS, "text"),
        ("disability_grade", "残疾等级", MEMBERS, "text"),
        ("labour", "劳动技能", MEMBERS, "text"),
        ("work_status", "务工状态", MEMBERS, "text"),
        ("work_months", "务工时间(月)", MEMBERS, "integer"),
        ("medical_insured", "是否参加基本医疗保险", MEMBERS, "text"),
        ("pension_insured", "是否参加基本养老保险", MEMBERS, "text"),
        ("family_doctor", "是否签约家庭医生", MEMBERS, "text"),
        ("dibao", "是否享受低保", MEMBERS, "text"),
        ("tekun", "是否特困供养", MEMBERS, "text"),
        ("member_status", "人员状态", MEMBERS, "text"),
        ("head_birth_date", "户主出生日期", MEMBERS, "date"),
        ("household_count", "登记所在户数", MEMBERS, "integer"),
        ("school_stage", "学段", "学籍", "text"),
        ("enrolment_status", "学籍状态", "学籍", "text"),
        ("insurance_status", "参保状态(收入年度)", "医保参保", "text"),
        ("certificate_grade", "残疾证等级", "残联", "text"),
        ("active_dibao", "民政在保低保", "民政", "boolean"),
        ("active_tekun", "民政在保特困", "民政", "boolean"),
        ("employment_status", "就业状态", "人社", "text"),
        ("employment_monthly_income", "月收入", "人社", "number"),
        ("employment_paid", "人社登记就业且有收入", "人社", "boolean"),
        ("employment_unemployed", "人社登记失业", "人社", "boolean"),
        ("registration_status", "户籍状态", "公安", "text"),
        ("registration_change_date", "户籍变动日期", "公安", "date"),
        ("vehicle_count", "登记小型轿车/客车/货车数", "公安交管", "integer"),
        ("business_count", "存续市场主体数", "市场监管", "integer"),
        ("real_estate_count", "登记住宅/商业不动产数", "自然资源", "integer"),
    )
)

HOUSEHOLD_COLUMNS: dict[str, WideColumn] = _columns(
    (
        *_REGION,
        ("head_id_number", "户主身份证号", HOUSEHOLDS, "text"),
        ("exit_year", "脱贫年度", HOUSEHOLDS, "integer"),
        ("monitoring_category", "监测对象类别", HOUSEHOLDS, "text"),
        ("risk_eliminated", "风险是否消除", HOUSEHOLDS, "text"),
        ("main_risk", "主要风险类型", HOUSEHOLDS, "text"),
        ("household_size", "家庭人口数", HOUSEHOLDS, "integer"),
        ("food_enough", "平常能吃得饱", HOUSEHOLDS, "text"),
        ("food_protein", "随时能吃肉蛋奶或豆制品", HOUSEHOLDS, "text"),
        ("seasonal_clothes", "有换季衣服", HOUSEHOLDS, "text"),
        ("winter_bedding", "有御寒被褥", HOUSEHOLDS, "text"),
        ("house_grade", "住房安全鉴定等级", HOUSEHOLDS, "text"),
        ("house_renovated", "是否危房改造", HOUSEHOLDS, "text"),
        ("relocated", "是否易地扶贫搬迁", HOUSEHOLDS, "text"),
        ("relocated_moved_in", "搬迁后是否入住", HOUSEHOLDS, "text"),
        ("water_supply", "供水方式", HOUSEHOLDS, "text"),
        ("water_quantity_ok", "水量是否达标", HOUSEHOLDS, "text"),
        ("water_quality_ok", "水质是否达标", HOUSEHOLDS, "text"),
        ("water_trip_minutes", "单次取水往返时间(分钟)", HOUSEHOLDS, "integer"),
        ("water_short_days", "年缺水天数", HOUSEHOLDS, "integer"),
        ("helper_name", "帮扶责任人", HOUSEHOLDS, "text"),
        ("wage_income", "工资性收入", INCOME, "number"),
        ("business_income", "生产经营性收入", INCOME, "number"),
        ("property_income", "财产性收入", INCOME, "number"),
        ("transfer_income", "转移性收入", INCOME, "number"),
        ("business_cost", "生产经营性支出", INCOME, "number"),
        ("declared_net_income", "家庭纯收入(申报)", INCOME, "number"),
        ("declared_net_income_per_capita", "人均纯收入(申报)", INCOME, "number"),
        ("net_income", "家庭纯收入(按分项重算)", COMPUTED, "number"),
        ("net_income_per_capita", "人均纯收入(按分项重算)", COMPUTED, "number"),
        ("declared_per_capita_expected", "申报纯收入÷正常人口", COMPUTED, "number"),
        ("previous_net_income_per_capita", "上年人均纯收入(按分项重算)", COMPUTED, "number"),
        ("members_total", "登记成员数", MEMBERS, "integer"),
        ("members_normal", "人员状态正常的成员数", MEMBERS, "integer"),
        ("head_count", "与户主关系为户主的人数", MEMBERS, "integer"),
        ("labour_capable_count", "劳动年龄内有劳动能力人数", MEMBERS, "integer"),
        ("working_count", "务工人数", MEMBERS, "integer"),
        (
            "employment_annual_wage",
            "务工收入折合全年(正常成员就业/公益性岗位月收入×12合计)",
            "人社",
            "number",
        ),
        ("claims_selfpay", "合规自付医疗费用(收入年度合计)", "医保结算", "number"),
        ("village_short_days", "本村缺水天数", "水务", "integer"),
        ("village_quality_result", "本村水质检测结果", "水务", "text"),
        ("appraisal_grade", "鉴定等级", "住建", "text"),
        ("renovation_status", "改造状态", "住建", "text"),
        ("disaster_damage", "房屋受损(收入年度起最重)", "应急管理", "text"),
        ("disaster_date", "灾害发生日期", "应急管理", "date"),
    )
)

COLUMNS: dict[str, dict[str, WideColumn]] = {
    PERSON_WIDE: PERSON_COLUMNS,
    HOUSEHOLD_WIDE: HOUSEHOLD_COLUMNS,
}
