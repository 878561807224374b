"""The tables fangfan reads, as CONTRACT.md defines them.

One `Table` per registry table and department feed: its canonical English field
names, the standard Chinese header of each field, the kind of value it holds and
the values an enumeration allows. The generator writes these tables, the importer
recognises and validates them, and every later step reads the snapshot columns
named here. Header synonyms are not here: they live in
`reference/header_synonyms.toml` so that an office can extend them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a column holds; decides how the importer parses and validates it."""

    TEXT = "text"
    NAME = "name"
    ID_NUMBER = "id_number"
    VILLAGE_CODE = "village_code"
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    PHONE = "phone"


@dataclass(frozen=True)
class Field:
    name: str
    header: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    department: str
    level: str  # household | person | village
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    description: str = ""

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


YES_NO = ("是", "否")
HOUSEHOLD_TYPES = ("脱贫户", "监测户", "一般农户")
MONITORING_CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISK_TYPES = (
    "因病",
    "因残",
    "因学",
    "因灾",
    "因意外事故",
    "因务工就业不稳",
    "因产业项目失败",
    "缺劳力",
    "住房出现安全问题",
    "饮水安全问题",
    "家庭刚性支出较大或收入大幅缩减",
    "其他",
)
HOUSE_GRADES = ("A", "B", "C", "D", "未鉴定")
WATER_SUPPLY = ("集中供水入户", "集中供水未入户", "分散供水")
MEASURES = (
    "产业帮扶",
    "就业帮扶",
    "金融帮扶",
    "公益岗位",
    "教育帮扶",
    "健康帮扶",
    "兜底保障",
    "住房保障",
    "饮水保障",
    "消费帮扶",
    "其他",
)
RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母", "之儿媳", "之女婿", "其他")
SEXES = ("男", "女")
SCHOOLING = (
    "学前教育",
    "小学",
    "七年级",
    "八年级",
    "九年级",
    "高中",
    "中职",
    "高职",
    "大专及以上",
    "非在校生",
    "送教上门",
    "因身体原因不具备学习条件",
    "失学辍学",
)
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
LABOUR = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
WORK_STATUS = ("县内务工", "省内县外务工", "省外务工", "乡村公益性岗位", "未务工")
MEDICAL_SCHEMES = ("城乡居民基本医疗保险", "职工基本医疗保险", "未参加")
PENSION_SCHEMES = ("城乡居民基本养老保险", "职工基本养老保险", "未参加")
MEMBER_STATUS = ("正常", "死亡", "迁出")

F = Field
K = Kind

HOUSEHOLDS = Table(
    name="households",
    title="户信息",
    department="国扶办系统",
    level="household",
    key=("household_id",),
    fields=(
        F("household_id", "户编号", K.TEXT, required=True),
        F("village_code", "行政区划代码", K.VILLAGE_CODE, required=True),
        F("county_name", "县(区)", K.TEXT),
        F("township_name", "乡(镇)", K.TEXT),
        F("village_name", "行政村", K.TEXT, required=True),
        F("head_name", "户主姓名", K.NAME, required=True),
        F("head_id_number", "户主身份证号", K.ID_NUMBER, required=True),
        F("household_type", "户类型", K.ENUM, required=True, choices=HOUSEHOLD_TYPES),
        F("exit_year", "脱贫年度", K.INTEGER, minimum=2014, maximum=2020),
        F("monitoring_category", "监测对象类别", K.ENUM, choices=MONITORING_CATEGORIES),
        F("monitoring_since", "识别监测时间", K.DATE),
        F("risk_eliminated", "风险是否消除", K.BOOLEAN, choices=YES_NO),
        F("risk_eliminated_on", "风险消除时间", K.DATE),
        F("main_risk", "主要风险类型", K.ENUM, choices=RISK_TYPES),
        F("household_size", "家庭人口数", K.INTEGER, required=True, minimum=1, maximum=30),
        F("phone", "联系电话", K.PHONE),
        F("food_enough", "平常能吃得饱", K.BOOLEAN, choices=YES_NO),
        F("food_protein", "随时能吃肉蛋奶或豆制品", K.BOOLEAN, choices=YES_NO),
        F("seasonal_clothes", "有换季衣服", K.BOOLEAN, choices=YES_NO),
        F("winter_bedding", "有御寒被褥", K.BOOLEAN, choices=YES_NO),
        F("house_grade", "住房安全鉴定等级", K.ENUM, choices=HOUSE_GRADES),
        F("house_renovated", "是否危房改造", K.BOOLEAN, choices=YES_NO),
        F("relocated", "是否易地扶贫搬迁", K.BOOLEAN, choices=YES_NO),
        F("relocated_moved_in", "搬迁后是否入住", K.BOOLEAN, choices=YES_NO),
        F("water_supply", "供水方式", K.ENUM, choices=WATER_SUPPLY),
        F("water_quantity_ok", "水量是否达标", K.BOOLEAN, choices=YES_NO),
        F("water_quality_ok", "水质是否达标", K.BOOLEAN, choices=YES_NO),
        F("water_trip_minutes", "单次取水往返时间(分钟)", K.INTEGER, minimum=0, maximum=600),
        F("water_short_days", "年缺水天数", K.INTEGER, minimum=0, maximum=366),
        F("farmland_mu", "耕地面积(亩)", K.DECIMAL, minimum=0, maximum=10000),
        F("helper_name", "帮扶责任人", K.NAME),
        F("helper_phone", "帮扶责任人电话", K.PHONE),
        F("measures", "帮扶措施", K.ENUM_LIST, choices=MEASURES),
    ),
)

MEMBERS = Table(
    name="members",
    title="成员信息",
    department="国扶办系统",
    level="person",
    key=("household_id", "id_number"),
    description="A person listed in two households is kept in both: the sieve reports it.",
    fields=(
        F("household_id", "户编号", K.TEXT, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("id_number", "证件号码", K.ID_NUMBER, required=True),
        F("relation", "与户主关系", K.ENUM, required=True, choices=RELATIONS),
        F("sex", "性别", K.ENUM, required=True, choices=SEXES),
        F("birth_date", "出生日期", K.DATE, required=True),
        F("ethnicity", "民族", K.TEXT),
        F("schooling", "在校生情况", K.ENUM, choices=SCHOOLING),
        F("health", "健康状况", K.ENUM, choices=HEALTH),
        F("disability_grade", "残疾等级", K.ENUM, choices=DISABILITY_GRADES),
        F("labour", "劳动技能", K.ENUM, choices=LABOUR),
        F("work_status", "务工状态", K.ENUM, choices=WORK_STATUS),
        F("work_months", "务工时间(月)", K.INTEGER, minimum=0, maximum=12),
        F("medical_insured", "是否参加基本医疗保险", K.ENUM, choices=MEDICAL_SCHEMES),
        F("pension_insured", "是否参加基本养老保险", K.ENUM, choices=PENSION_SCHEMES),
        F("family_doctor", "是否签约家庭医生", K.BOOLEAN, choices=YES_NO),
        F("dibao", "是否享受低保", K.BOOLEAN, choices=YES_NO),
        F("tekun", "是否特困供养", K.BOOLEAN, choices=YES_NO),
        F("member_status", "人员状态", K.ENUM, required=True, choices=MEMBER_STATUS),
    ),
)

INCOME = Table(
    name="income",
    title="收入信息",
    department="国扶办系统",
    level="household",
    key=("household_id", "year"),
    fields=(
        F("household_id", "户编号", K.TEXT, required=True),
        F("year", "年度", K.INTEGER, required=True, minimum=2013, maximum=2035),
        F("wage_income", "工资性收入", K.MONEY),
        F("business_income", "生产经营性收入", K.MONEY),
        F("property_income", "财产性收入", K.MONEY),
        F("transfer_income", "转移性收入", K.MONEY),
        F("business_cost", "生产经营性支出", K.MONEY),
        F("medical_selfpay", "合规自付医疗费用", K.MONEY),
        F("net_income", "家庭纯收入", K.MONEY),
        F("net_income_per_capita", "人均纯收入", K.MONEY),
    ),
)

SCHOOL_ROLL = Table(
    name="school_roll",
    title="学籍信息",
    department="教育",
    level="person",
    key=("id_number",),
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("school_name", "学校名称", K.TEXT),
        F("school_stage", "学段", K.ENUM, required=True, choices=("小学", "初中", "高中", "中职", "高校")),
        F(
            "enrolment_status",
            "学籍状态",
            K.ENUM,
            required=True,
            choices=("在读", "休学", "辍学", "毕业", "转出", "送教上门"),
        ),
    ),
)

MEDICAL_INSURANCE = Table(
    name="medical_insurance",
    title="参保信息",
    department="医保",
    level="person",
    key=("id_number", "insurance_year"),
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("scheme", "参保类型", K.ENUM, choices=("城乡居民", "职工")),
        F("insurance_year", "参保年度", K.INTEGER, required=True, minimum=2013, maximum=2035),
        F("insurance_status", "参保状态", K.ENUM, required=True, choices=("参保", "未参保", "停保")),
    ),
)

MEDICAL_CLAIMS = Table(
    name="medical_claims",
    title="医疗费用结算",
    department="医保",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("settlement_date", "结算日期", K.DATE, required=True),
        F("total_cost", "医疗总费用", K.MONEY, required=True),
        F("basic_reimbursed", "基本医保报销", K.MONEY),
        F("critical_illness_reimbursed", "大病保险报销", K.MONEY),
        F("medical_aid", "医疗救助", K.MONEY),
        F("compliant_selfpay", "合规自付费用", K.MONEY),
    ),
)

HOUSING_APPRAISAL = Table(
    name="housing_appraisal",
    title="住房安全鉴定",
    department="住建",
    level="household",
    fields=(
        F("head_id_number", "户主身份证号", K.ID_NUMBER, required=True),
        F("head_name", "户主姓名", K.NAME, required=True),
        F("village_code", "行政区划代码", K.VILLAGE_CODE, required=True),
        F("appraisal_date", "鉴定日期", K.DATE),
        F("appraisal_grade", "鉴定等级", K.ENUM, required=True, choices=("A", "B", "C", "D")),
        F("renovation_status", "改造状态", K.ENUM, choices=("未改造", "改造中", "已竣工")),
    ),
)

WATER_SUPPLY_FEED = Table(
    name="water_supply",
    title="农村供水工程",
    department="水务",
    level="village",
    key=("village_code",),
    fields=(
        F("village_code", "行政区划代码", K.VILLAGE_CODE, required=True),
        F("project_name", "供水工程名称", K.TEXT),
        F("supply_mode", "供水方式", K.ENUM, choices=WATER_SUPPLY),
        F("short_days", "本年缺水天数", K.INTEGER, minimum=0, maximum=366),
        F("quality_result", "水质检测结果", K.ENUM, choices=("合格", "不合格")),
        F("test_date", "检测日期", K.DATE),
    ),
)

SOCIAL_ASSISTANCE = Table(
    name="social_assistance",
    title="社会救助",
    department="民政",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("assistance_type", "救助类型", K.ENUM, required=True, choices=("低保", "特困", "临时救助")),
        F("start_date", "起始日期", K.DATE),
        F("end_date", "终止日期", K.DATE),
        F("monthly_amount", "月保障金额", K.MONEY),
    ),
)

DISABILITY = Table(
    name="disability",
    title="残疾人证",
    department="残联",
    level="person",
    key=("id_number",),
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F(
            "disability_kind",
            "残疾类别",
            K.ENUM,
            choices=("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
        ),
        F("disability_grade", "残疾等级", K.ENUM, required=True, choices=DISABILITY_GRADES),
        F("certificate_date", "发证日期", K.DATE),
        F("two_subsidies", "是否享受两项补贴", K.BOOLEAN, choices=YES_NO),
    ),
)

EMPLOYMENT = Table(
    name="employment",
    title="就业信息",
    department="人社",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("employment_status", "就业状态", K.ENUM, required=True, choices=("就业", "失业", "公益性岗位")),
        F("work_place", "就业地点", K.TEXT),
        F("monthly_income", "月收入", K.MONEY),
        F("pension_insured", "是否参加养老保险", K.BOOLEAN, choices=YES_NO),
    ),
)

CIVIL_REGISTRATION = Table(
    name="civil_registration",
    title="户籍变动",
    department="公安",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("registration_status", "户籍状态", K.ENUM, required=True, choices=("正常", "死亡", "迁出", "注销")),
        F("change_date", "变动日期", K.DATE),
    ),
)

BUSINESS_REGISTRY = Table(
    name="business_registry",
    title="市场主体登记",
    department="市场监管",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("company_name", "企业名称", K.TEXT, required=True),
        F("registration_status", "登记状态", K.ENUM, choices=("存续", "注销")),
        F("registered_capital", "注册资本(万元)", K.DECIMAL, minimum=0),
        F("role", "身份", K.ENUM, choices=("法定代表人", "股东")),
    ),
)

VEHICLES = Table(
    name="vehicles",
    title="机动车登记",
    department="公安交管",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F(
            "vehicle_type",
            "车辆类型",
            K.ENUM,
            required=True,
            choices=("小型轿车", "小型普通客车", "货车", "农用车", "摩托车"),
        ),
        F("registration_date", "登记日期", K.DATE),
        F("status", "状态", K.ENUM, choices=("正常", "注销", "报废", "转出")),
    ),
)

REAL_ESTATE = Table(
    name="real_estate",
    title="不动产登记",
    department="自然资源",
    level="person",
    fields=(
        F("id_number", "身份证号", K.ID_NUMBER, required=True),
        F("name", "姓名", K.NAME, required=True),
        F("location", "不动产坐落", K.TEXT, required=True),
        F("usage", "用途", K.ENUM, required=True, choices=("住宅", "商业")),
        F("floor_area", "建筑面积", K.DECIMAL, minimum=0),
        F("registration_date", "登记日期", K.DATE),
    ),
)

DISASTERS = Table(
    name="disasters",
    title="灾情信息",
    department="应急管理",
    level="household",
    fields=(
        F("village_code", "行政区划代码", K.VILLAGE_CODE, required=True),
        F("head_id_number", "户主身份证号", K.ID_NUMBER, required=True),
        F("head_name", "户主姓名", K.NAME, required=True),
        F("disaster_type", "灾害类型", K.TEXT),
        F("occurred_on", "发生日期", K.DATE, required=True),
        F("house_damage", "房屋受损", K.ENUM, required=True, choices=("无", "一般损坏", "严重损坏", "倒塌")),
        F("direct_loss", "直接经济损失(元)", K.MONEY),
    ),
)

REGISTRY_TABLES: tuple[Table, ...] = (HOUSEHOLDS, MEMBERS, INCOME)
DEPARTMENT_FEEDS: tuple[Table, ...] = (
    SCHOOL_ROLL,
    MEDICAL_INSURANCE,
    MEDICAL_CLAIMS,
    HOUSING_APPRAISAL,
    WATER_SUPPLY_FEED,
    SOCIAL_ASSISTANCE,
    DISABILITY,
    EMPLOYMENT,
    CIVIL_REGISTRATION,
    BUSINESS_REGISTRY,
    VEHICLES,
    REAL_ESTATE,
    DISASTERS,
)
ALL_TABLES: tuple[Table, ...] = REGISTRY_TABLES + DEPARTMENT_FEEDS
TABLES: dict[str, Table] = {t.name: t for t in ALL_TABLES}
