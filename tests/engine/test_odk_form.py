"""The offline visit form (engine): an XLSForm pyxform converts, and exports read back against it.

The form is built here as the web app builds it (`fangfan.web.odk.schema`), without Django:
石桥村's form, the six 算细账 amounts, the guarantees from the registry's own table
definition, two policies. ODK Validate (Java) is not run: docs/odk.md says what is checked.

The rows: 王秀英's visit read from ODK Central's CSV and from KoboToolbox's XLSX gives the
same answers; beside it a row with a date written 2026年13月1日, a wage of -5 and a
policy that is not a choice (each named by its column as the file writes it), and the
same submission sent twice (the later row marked a duplicate).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from pyxform.xls2xform import convert

from fangfan.engine.odk.form import Choice, Kind, Question, guarantee_questions
from fangfan.engine.odk.preload import PreloadHousehold, preload_csv
from fangfan.engine.odk.submissions import SubmissionFileError, read_submissions
from fangfan.engine.odk.visit import visit_form
from fangfan.engine.odk.xlsform import write_xlsform
from fangfan.engine.schema import HOUSEHOLDS

AMOUNTS = (
    ("wage_income", "工资性收入"),
    ("business_income", "生产经营性收入"),
    ("property_income", "财产性收入"),
    ("transfer_income", "转移性收入"),
    ("business_cost", "生产经营性支出"),
    ("rigid_spending", "刚性支出"),
)
SPEC = visit_form(
    village_code="621226100201",
    village_name="石桥村",
    version="202612060100",
    visited_on=Question("visited_on", "走访日期", Kind.DATE, required=True, extra_constraint=". <= today()"),
    year_question=Question("income_year", "所评估的收入年度", Kind.INTEGER, minimum=2020, maximum=2100),
    size_question=Question("household_size", "家庭人口数", Kind.INTEGER, minimum=1, maximum=50),
    income=[
        Question(n, label, Kind.MONEY, required=True, minimum=0, maximum=10_000_000) for n, label in AMOUNTS
    ],
    policies=[Choice("dibao", "最低生活保障"), Choice("family_doctor", "家庭医生签约服务")],
    situation_label="走访情况",
)
WANG = "6212261002010001"


def test_the_visit_form_converts_to_an_xform_with_pyxform(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    with path.open("wb") as handle:
        write_xlsform(SPEC, handle)
    result = convert(xlsform=str(path))
    xform = result.xform
    assert result.warnings == []
    assert '<instance id="households" src="jr://file-csv/households.csv"/>' in xform
    assert "instance('policies')/root/item[selected( /data/household/received , name)]" in xform
    assert 'constraint=". &gt;= 0 and . &lt;= 10000000"' in xform
    assert "instance('households')/root/item[name= /data/household/household_id ]/size" in xform
    assert 'id="fangfan_visit_621226100201"' in xform and 'version="202612060100"' in xform


def test_a_broken_form_is_what_pyxform_refuses(tmp_path: Path) -> None:
    """The near miss: the same form with a choice list missing fails the conversion."""
    broken = SPEC.__class__(
        SPEC.form_id, SPEC.title, SPEC.version, SPEC.groups, {"yes_no": SPEC.choices["yes_no"]}
    )
    path = tmp_path / "broken.xlsx"
    with path.open("wb") as handle:
        write_xlsform(broken, handle)
    with pytest.raises(Exception, match=r"house_grade|list"):
        convert(xlsform=str(path))


def test_the_guarantees_are_the_registry_fields_asked_again() -> None:
    asked = {question.name: question for question in guarantee_questions()}
    for name in ("food_enough", "house_grade", "water_supply", "water_short_days"):
        assert asked[name].label == HOUSEHOLDS.field(name).header
    assert asked["water_short_days"].maximum == HOUSEHOLDS.field("water_short_days").maximum
    assert [choice.label for choice in SPEC.choices["house_grade"]] == list(
        HOUSEHOLDS.field("house_grade").choices
    )


def test_the_preload_masks_the_head_and_writes_no_phone() -> None:
    text = preload_csv(
        [
            PreloadHousehold(
                WANG, "王秀英", "621226196803050422", 3, [("王秀英", "户主"), ("李明", "之子")], ["dibao"]
            )
        ]
    )
    row = next(csv.DictReader(io.StringIO(text)))
    assert row == {
        "name": WANG,
        "label": f"王秀英 · {WANG}",
        "head_name": "王秀英",
        "head_id": "621226********0422",
        "size": "3",
        "members": "王秀英（户主）、李明（之子）",
        "received": "dibao",
    }


def _answers(**changes: str) -> dict[str, str]:
    answers = {name: "0" for name, _ in AMOUNTS}
    answers.update(
        household_id=WANG,
        visited_on="2026-12-01",
        wage_income="6000",
        food_enough="是",
        house_grade="C",
        policies_known="dibao",
        photo="1.jpg",
    )
    answers.update(changes)
    return answers


GROUP = {"household_id": "household", "visited_on": "visit", "food_enough": "guarantees"}
GROUP |= {"house_grade": "guarantees", "policies_known": "awareness", "photo": "closing"}
GROUP |= dict.fromkeys((name for name, _ in AMOUNTS), "income")


def _central(path: Path, rows: list[tuple[str, dict[str, str]]]) -> Path:
    names = list(_answers())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SubmissionDate", *(f"{GROUP[n]}-{n}" for n in names), "meta-instanceID", "KEY"])
        for instance, answers in rows:
            writer.writerow(["2026-12-01T08:00:00.000Z", *(answers[n] for n in names), instance, instance])
    return path


def _kobo(path: Path, rows: list[tuple[str, dict[str, str]]]) -> Path:
    names = list(_answers())
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("石桥村入户走访")
    sheet.write_row(0, 0, [*(f"{GROUP[n]}/{n}" for n in names), "_uuid", "_submission_time"])
    for number, (instance, answers) in enumerate(rows, start=1):
        values: list[object] = [answers[n] for n in names]
        values[names.index("wage_income")] = float(answers["wage_income"])  # Kobo writes numbers as numbers
        sheet.write_row(number, 0, [*values, instance.removeprefix("uuid:"), "2026-12-01T08:00:00"])
    book.close()
    return path


def test_central_and_kobo_exports_read_to_the_same_answers(tmp_path: Path) -> None:
    rows = [("uuid:wang-1", _answers())]
    central = read_submissions(_central(tmp_path / "c.csv", rows), "submissions.csv", SPEC)
    kobo = read_submissions(_kobo(tmp_path / "k.xlsx", rows), "kobo.xlsx", SPEC)
    assert (central.source, kobo.source) == ("ODK Central", "KoboToolbox")
    (one,), (other,) = central.rows, kobo.rows
    assert one.answers == other.answers and one.instance_id == other.instance_id == "wang-1"
    assert one.answers["wage_income"] == Decimal("6000.00") and one.answers["visited_on"] == dt.date(
        2026, 12, 1
    )
    assert (
        one.answers["policies_known"] == ["dibao"] and one.answers["house_grade"] == "C" and not one.problems
    )


def test_bad_cells_are_named_by_row_and_column_and_a_repeat_is_a_duplicate(tmp_path: Path) -> None:
    rows = [
        ("uuid:wang-1", _answers()),
        ("uuid:bad-1", _answers(visited_on="2026年13月1日", wage_income="-5", policies_known="dibao tekun")),
        ("uuid:wang-1", _answers()),
    ]
    parsed = read_submissions(_central(tmp_path / "c.csv", rows), "submissions.csv", SPEC)
    first, bad, again = parsed.rows
    assert not first.problems and again.duplicate_of == 2
    assert [(p.row, p.column, p.value) for p in bad.problems] == [
        (3, "visit-visited_on", "2026年13月1日"),
        (3, "income-wage_income", "-5"),
        (3, "awareness-policies_known", "dibao tekun"),
    ]
    assert "应为日期" in bad.problems[0].message and "0 到 10,000,000" in bad.problems[1].message


def test_a_file_without_the_visit_columns_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("SubmissionDate,meta-instanceID,household-household_id\n2026-12-01,uuid:1,1\n", "utf-8")
    with pytest.raises(SubmissionFileError, match=re.escape("《走访.csv》缺少列：走访日期（visited_on）")):
        read_submissions(path, "走访.csv", SPEC)
