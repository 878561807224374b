"""Problem codes shared by the importer's error report and the generator's ground truth.

A code is stable (tests and later steps match on it); its Chinese text is what a
clerk reads in the error report. `ACTION_*` says what the importer did with the row.
"""

from __future__ import annotations

from enum import StrEnum


class Problem(StrEnum):
    FILE_UNREADABLE = "FILE_UNREADABLE"
    TABLE_UNRECOGNISED = "TABLE_UNRECOGNISED"
    COLUMN_MISSING = "COLUMN_MISSING"
    REQUIRED_MISSING = "REQUIRED_MISSING"
    ENUM_INVALID = "ENUM_INVALID"
    DATE_INVALID = "DATE_INVALID"
    NUMBER_INVALID = "NUMBER_INVALID"
    NUMBER_OUT_OF_RANGE = "NUMBER_OUT_OF_RANGE"
    ID_FORMAT = "ID_FORMAT"
    ID_PRECISION_LOST = "ID_PRECISION_LOST"
    ID_BIRTH_DATE = "ID_BIRTH_DATE"
    ID_CHECK_DIGIT = "ID_CHECK_DIGIT"
    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    SEX_MISMATCH = "SEX_MISMATCH"
    VILLAGE_CODE_FORMAT = "VILLAGE_CODE_FORMAT"
    TOWNSHIP_UNKNOWN = "TOWNSHIP_UNKNOWN"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    UNKNOWN_HOUSEHOLD = "UNKNOWN_HOUSEHOLD"


PROBLEM_TEXT: dict[Problem, str] = {
    Problem.FILE_UNREADABLE: "文件无法读取",
    Problem.TABLE_UNRECOGNISED: "无法识别为任何已知表格（表头不匹配）",
    Problem.COLUMN_MISSING: "缺少必需的列",
    Problem.REQUIRED_MISSING: "必填项为空",
    Problem.ENUM_INVALID: "取值不在允许范围内",
    Problem.DATE_INVALID: "日期无法识别",
    Problem.NUMBER_INVALID: "数值无法识别",
    Problem.NUMBER_OUT_OF_RANGE: "数值超出合理范围",
    Problem.ID_FORMAT: "身份证号格式错误（位数或字符不对）",
    Problem.ID_PRECISION_LOST: "身份证号被Excel存成数字，后几位已丢失，请从原始系统重新导出",
    Problem.ID_BIRTH_DATE: "身份证号中的出生日期不存在",
    Problem.ID_CHECK_DIGIT: "身份证号校验位错误",
    Problem.BIRTH_DATE_MISMATCH: "出生日期与身份证号不一致",
    Problem.SEX_MISMATCH: "性别与身份证号不一致",
    Problem.VILLAGE_CODE_FORMAT: "行政区划代码应为12位数字",
    Problem.TOWNSHIP_UNKNOWN: "行政区划代码所属乡镇不在所设区划的乡镇名录中（FANGFAN_REGION，默认陇南市）",
    Problem.DUPLICATE_KEY: "重复记录（关键字段与前面的行相同）",
    Problem.UNKNOWN_HOUSEHOLD: "户编号在户信息表中不存在",
}

# What the importer did with a row that has the problem.
ACTION_EXCLUDED = "excluded"
ACTION_KEPT = "kept"
ACTION_TEXT = {ACTION_EXCLUDED: "该行未导入", ACTION_KEPT: "已导入并标记"}
