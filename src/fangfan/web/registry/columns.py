"""The columns of every list the registry's pages offer as Excel (Chinese headers)."""

from __future__ import annotations

from fangfan.engine.ledger import CATEGORY_NAMES, SEVERITY_NAMES
from fangfan.web.accounts.personal import birth_year
from fangfan.web.registry.household_page import evidence_text
from fangfan.web.registry.templatetags.format import run_name
from fangfan.web.shared.excel import BOOLEAN, DATE, ID, MONEY, NUMBER, Column

HOUSEHOLD_COLUMNS = (
    Column("户编号", "household_id", width=20),
    Column("县(区)", "county_name", width=10),
    Column("乡(镇)", "township_name", width=12),
    Column("行政村", "village_name", width=12),
    Column("行政区划代码", "village_code", width=15),
    Column("户主姓名", "head_name", width=10),
    Column("户主身份证号", "head_id_number", kind=ID, width=21),
    Column("户类型", "household_type", width=9),
    Column("监测对象类别", "monitoring_category", width=14),
    Column("家庭人口数", "household_size", kind=NUMBER, width=8),
    Column("在册人数", "people", kind=NUMBER, width=8),
    Column("收入年度", "income_year", kind=NUMBER, width=8),
    Column("人均纯收入", "net_income_per_capita", kind=MONEY, width=14),
    Column("问题数", "open_findings", kind=NUMBER, width=8),
    Column("否决项问题数", "veto_findings", kind=NUMBER, width=10),
)

CHILD_REGION_COLUMNS = (
    Column("区划代码", "code", width=14),
    Column("名称", "name", width=14),
    Column("户数", "totals.households", kind=NUMBER, width=9),
    Column("人数", "totals.people", kind=NUMBER, width=9),
    Column("有问题户数", "totals.households_with_findings", kind=NUMBER, width=10),
    Column("有否决项户数", "totals.households_with_veto", kind=NUMBER, width=11),
    Column("问题数", "totals.findings", kind=NUMBER, width=9),
    Column("否决项问题数", "totals.veto_findings", kind=NUMBER, width=11),
    Column("新发现", "totals.new", kind=NUMBER, width=9),
    Column("持续存在", "totals.persisting", kind=NUMBER, width=9),
    Column("已消除", "totals.resolved", kind=NUMBER, width=9),
)

# The dashboard's two small tables (`registry:region_types_excel`, `registry:region_categories_excel`).
TYPE_COLUMNS = (
    Column("户类型", "household_type", width=14),
    Column("户数", "households", kind=NUMBER, width=9),
    Column("人数", "people", kind=NUMBER, width=9),
)
CATEGORY_COLUMNS = (
    Column("类别", "label", width=14),
    Column("否决项", "veto", kind=NUMBER, width=9),
    Column("其他", "other", kind=NUMBER, width=9),
    Column("合计", "total", kind=NUMBER, width=9),
)

FINDING_COLUMNS = (
    Column("户编号", "household_id", width=20),
    Column("行政区划代码", "village_code", width=15),
    Column("规则编号", "rule_code", width=10),
    Column("规则名称", "rule_name", width=24),
    Column("类别", lambda finding: CATEGORY_NAMES.get(finding.category, finding.category), width=10),
    Column("否决项", "veto", kind=BOOLEAN, width=7),
    Column("严重程度", lambda finding: SEVERITY_NAMES.get(finding.severity, finding.severity), width=8),
    Column("成员姓名", "person_name", width=10),
    Column("身份证号", "id_number", kind=ID, width=21),
    Column("问题", "message", width=50),
    Column("依据数据", evidence_text, width=50),
    Column("筛查状态", lambda finding: finding.get_engine_status_display(), width=10),
    Column("处理状态", lambda finding: finding.get_status_display(), width=8),
    Column("首次发现", "first_seen_run.as_of", kind=DATE, width=11),
    Column("整改时限", "deadline", kind=DATE, width=11),
)

# The household workbook (`registry:household_excel`): one sheet per list on the page.
FACT_COLUMNS = (Column("项目", "label", width=14), Column("内容", "value", width=50))

INCOME_COLUMNS = (
    Column("年度", "year", kind=NUMBER, width=7),
    Column("工资性收入", "wage_income", kind=MONEY, width=11),
    Column("生产经营性收入", "business_income", kind=MONEY, width=13),
    Column("财产性收入", "property_income", kind=MONEY, width=11),
    Column("转移性收入", "transfer_income", kind=MONEY, width=11),
    Column("生产经营支出", "business_cost", kind=MONEY, width=12),
    Column("家庭纯收入", "net_income", kind=MONEY, width=11),
    Column("人均纯收入", "net_income_per_capita", kind=MONEY, width=11),
)

MEMBER_COLUMNS = (
    Column("姓名", "name", width=10),
    Column("与户主关系", "relation", width=10),
    Column("性别", "sex", width=5),
    # The year only: the masked ID beside it hides exactly the birth date.
    Column("出生年份", lambda member: birth_year(member.birth_date), width=9),
    Column("证件号码", "id_number", kind=ID, width=21),
    Column("在校情况", "schooling", width=12),
    Column("健康状况", "health", width=10),
    Column("残疾等级", "disability_grade", width=8),
    Column("劳动技能", "labour", width=10),
    Column("务工状况", "work_status", width=10),
    Column("务工月数", "work_months", kind=NUMBER, width=8),
    Column("医疗保险", "medical_insured", width=8),
    Column("人员状态", "member_status", width=8),
)

INDICATOR_COLUMNS = (
    Column("类别", "group", width=16),
    Column("规则编号", "code", width=10),
    Column("指标", "name", width=24),
    Column("否决项", "veto", kind=BOOLEAN, width=7),
    Column("结果", "result", width=8),
    Column("问题", "message", width=50),
)

DEPARTMENT_COLUMNS = (
    Column("部门", "department", width=12),
    Column("数据", "feed_title", width=16),
    Column("姓名", "record.name", width=10),
    Column("内容", lambda row: "；".join(f"{label}：{value}" for label, value in row.values), width=60),
    Column(
        "部门所填证件号",
        lambda row: None if row.village_level else row.record.id_as_written,
        kind=ID,
        width=21,
    ),
    Column(
        "村级记录的行政区划代码", lambda row: row.record.village_code if row.village_level else None, width=15
    ),
    Column("匹配方式", "method", width=16),
    Column("来源文件", "record.source_file", width=24),
    Column("工作表", "record.source_sheet", width=10),
    Column("行号", "record.source_row", kind=NUMBER, width=7),
)

HISTORY_COLUMNS = (
    Column("筛查", lambda entry: run_name(entry.run), width=24),
    Column("数据截至", "run.as_of", kind=DATE, width=14),
    Column("户类型", "household_type", width=9),
    Column("在册人数", "people", kind=NUMBER, width=8),
    Column("人均纯收入", "net_income_per_capita", kind=MONEY, width=14),
    Column("问题数", "findings", kind=NUMBER, width=8),
    Column("否决项问题数", "veto_findings", kind=NUMBER, width=10),
)
