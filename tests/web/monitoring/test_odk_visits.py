"""Offline visits through the Django client and the CLI: 石桥村's team works without a network.

The story (the cast of conftest.py):
- 石桥村's team downloads the village's form and households.csv: the CSV names 王秀英
  and 赵永福 with their ID numbers masked and no phone, and nothing of 马占山 (北关村).
- They visit on phones and send. ODK Central's CSV comes back with four rows: 王秀英
  (¥6,000 for three people, under the line: a lead opens exactly as from the web form),
  赵永福 (¥60,000 for four: no lead), 马占山's household typed in from memory (北关村,
  outside their region) and a household number that does not exist.
- The same export uploaded again: every row a duplicate, nothing written twice.
- KoboToolbox's XLSX of 赵永福's visit with a mistyped amount ("三千") and an answer
  that is not a choice: the rows are listed in the report, with row, column and value.
- A file that is not an export at all is refused whole, with its name and the missing column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook
from pyxform.xls2xform import convert

from cast import WANG_XIUYING
from fangfan.web.monitoring.models import Intake, Visit
from fangfan.web.odk.models import Submission, SubmissionImport

pytestmark = pytest.mark.django_db
SHIQIAO = "621226100201"
WANG_HOUSEHOLD, ZHAO_HOUSEHOLD = f"{SHIQIAO}0001", f"{SHIQIAO}0003"
MA_HOUSEHOLD = "6212020012010004"
CENTRAL_META = ("SubmissionDate", "start", "end")
CENTRAL_TAIL = ("meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "Status")


def _yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def _answers(household_id: str, wage: str, **changes: str) -> dict[str, str]:
    """One submission's answers by question name (what a phone sends)."""
    return {
        "household_id": household_id,
        "visited_on": _yesterday(),
        "income_year": "",
        "household_size": "",
        "wage_income": wage,
        "business_income": "0",
        "property_income": "0",
        "transfer_income": "0",
        "business_cost": "0",
        "rigid_spending": "0",
        "food_enough": "是",
        "food_protein": "是",
        "seasonal_clothes": "是",
        "winter_bedding": "是",
        "house_grade": "A",
        "water_supply": "集中供水入户",
        "water_quantity_ok": "是",
        "water_quality_ok": "是",
        "water_trip_minutes": "0",
        "water_short_days": "0",
        "children_in_school": "none",
        "all_medically_insured": "是",
        "policies_known": "",
        "photo": "1733100000000.jpg",
        "situation": "",
        **changes,
    }


GROUPS = {
    "household_id": "household",
    "visited_on": "visit",
    "income_year": "visit",
    "household_size": "visit",
    "policies_known": "awareness",
    "photo": "closing",
    "situation": "closing",
    **dict.fromkeys(
        (
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_cost",
            "rigid_spending",
        ),
        "income",
    ),
}


def _group(name: str) -> str:
    return GROUPS.get(name, "guarantees")


def central_csv(rows: list[tuple[str, dict[str, str]]]) -> bytes:
    """ODK Central's submissions.csv: groups joined by "-", meta-instanceID and KEY."""
    names = list(_answers("", "0"))
    header = [*CENTRAL_META, *(f"{_group(n)}-{n}" for n in names), *CENTRAL_TAIL]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for instance, answers in rows:
        submitted = f"{_yesterday()}T09:30:00.000Z"
        values = [answers[n] for n in names]
        writer.writerow(
            [
                submitted,
                submitted,
                submitted,
                *values,
                f"uuid:{instance}",
                f"uuid:{instance}",
                "7",
                "石桥村手机1",
                "1",
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def kobo_xlsx(rows: list[tuple[str, dict[str, str]]]) -> bytes:
    """KoboToolbox's XLSX ("XML values and headers"): groups joined by "/", _uuid, _submission_time."""
    names = list(_answers("", "0"))
    header = ["start", "end", *(f"{_group(n)}/{n}" for n in names), "awareness/policies_known/dibao"]
    header += ["_id", "_uuid", "_submission_time", "_index"]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("石桥村入户走访")
    sheet.write_row(0, 0, header)
    for number, (instance, answers) in enumerate(rows, start=1):
        values: list[Any] = ["", "", *(answers[n] for n in names), "0", number, instance]
        values += [f"{_yesterday()}T09:30:00", number]
        sheet.write_row(number, 0, values)
    book.close()
    return out.getvalue()


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(reverse("odk:upload"), {"export": SimpleUploadedFile(name, content)})


def test_the_village_team_downloads_its_form_and_a_masked_household_list(cast, client_for, tmp_path):
    village = client_for(cast["village"])
    form = village.get(reverse("odk:form", args=[SHIQIAO]))
    assert form.status_code == 200
    content = b"".join(form.streaming_content)
    (tmp_path / "form.xlsx").write_bytes(content)
    converted = convert(xlsform=str(tmp_path / "form.xlsx"))  # the web form's own fields
    assert converted.warnings == []
    xform = converted.xform
    assert "工资性收入" in xform and 'constraint=". &gt;= 0 and . &lt;= 10000000"' in xform
    assert "最低生活保障" in xform and "刚性支出（医疗、教育等自付部分，可为0）" in xform
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["survey", "choices", "settings"]
    names = [row[1] for row in book.get_sheet_by_name("survey").to_python()]
    assert {"household_id", "wage_income", "rigid_spending", "food_enough", "water_supply", "photo"} <= set(
        names
    )
    preload = b"".join(village.get(reverse("odk:preload", args=[SHIQIAO])).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(preload)))
    assert [row["name"] for row in rows] == [WANG_HOUSEHOLD, ZHAO_HOUSEHOLD]
    wang = rows[0]
    assert (
        wang["head_name"] == "王秀英"
        and wang["head_id"] == WANG_XIUYING.id_number[:6] + "********" + WANG_XIUYING.id_number[-4:]
    )
    assert WANG_XIUYING.id_number not in preload and WANG_XIUYING.phone not in preload
    assert wang["members"] == "王秀英（户主）、李明（之子）" and wang["size"] == "3"
    assert "马占山" not in preload


def test_another_village_or_county_is_not_found(cast, client_for):
    village = client_for(cast["village"])
    for name in ("odk:form", "odk:preload"):
        assert village.get(reverse(name, args=["621202001201"])).status_code == 404
        assert village.get(reverse(name, args=["621226100202"])).status_code == 404  # 上坪村, same township
    assert client_for(cast["township"]).get(reverse("odk:preload", args=["621226100202"])).status_code == 200
    assert client_for(cast["county"]).get(reverse("odk:index")).status_code == 403


def test_an_odk_central_export_becomes_visits_and_a_lead_as_from_the_web_form(cast, client_for):
    village = client_for(cast["village"])
    export = central_csv(
        [
            ("wang-1", _answers(WANG_HOUSEHOLD, "6000")),
            ("zhao-1", _answers(ZHAO_HOUSEHOLD, "60000", food_protein="否")),
            ("ma-1", _answers(MA_HOUSEHOLD, "1000")),
            ("nobody-1", _answers(f"{SHIQIAO}0099", "1000")),
        ]
    )
    response = upload(village, "submissions.csv", export)
    batch = SubmissionImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "odk:import_detail", args=[batch.pk]
    )
    assert (batch.source, batch.rows, batch.created, batch.leads, batch.duplicates, batch.unplaced_count) == (
        "ODK Central",
        4,
        2,
        1,
        0,
        2,
    )
    wang_visit = Visit.objects.get(household_id=WANG_HOUSEHOLD)
    assert wang_visit.net_income_per_capita == Decimal("2000.00") and wang_visit.visitor == cast["village"]
    intake = Intake.objects.get()
    assert (intake.household_id, intake.source, intake.visit) == (WANG_HOUSEHOLD, "visit", wang_visit)
    zhao_visit = Visit.objects.get(household_id=ZHAO_HOUSEHOLD)
    assert "随时能吃肉蛋奶或豆制品：否" in zhao_visit.situation
    assert Submission.objects.get(instance_id="zhao-1").answers["photo"] == "1733100000000.jpg"
    page = village.get(reverse("odk:import_detail", args=[batch.pk])).text
    assert "该户不在您的辖区内" in page and "系统中没有该户编号的农户" in page and "马占山" not in page


def test_the_same_export_twice_writes_nothing_twice(cast, client_for):
    village = client_for(cast["village"])
    export = central_csv(
        [("wang-1", _answers(WANG_HOUSEHOLD, "6000")), ("wang-1", _answers(WANG_HOUSEHOLD, "6000"))]
    )
    upload(village, "submissions.csv", export)
    upload(village, "submissions (1).csv", export)
    first, second = SubmissionImport.objects.order_by("pk")
    assert (first.created, first.duplicates, second.created, second.duplicates) == (1, 1, 0, 2)
    assert Visit.objects.count() == 1 and Intake.objects.count() == 1


def test_a_kobo_export_with_bad_values_lists_each_row_in_the_report(cast, client_for):
    village = client_for(cast["village"])
    export = kobo_xlsx(
        [
            ("k-1", _answers(ZHAO_HOUSEHOLD, "三千")),
            ("k-2", _answers(ZHAO_HOUSEHOLD, "30000", house_grade="E")),
            ("k-3", _answers(ZHAO_HOUSEHOLD, "30000")),
        ]
    )
    upload(village, "石桥村走访.xlsx", export)
    batch = SubmissionImport.objects.get()
    assert (batch.source, batch.created, batch.unplaced_count) == ("KoboToolbox", 1, 2)
    assert [(item["row"], item["column"], item["value"]) for item in batch.unplaced] == [
        (2, "income/wage_income", "三千"),
        (3, "guarantees/house_grade", "E"),
    ]
    assert "应为金额" in batch.unplaced[0]["problem"]
    report = village.get(reverse("odk:import_report", args=[batch.pk]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
    rows = book.get_sheet_by_name("未能导入的行").to_python()
    assert (
        rows[0][:3] == ["文件", "行号", "列"]
        and rows[1][0] == "石桥村走访.xlsx"
        and rows[1][2] == "income/wage_income"
    )


def test_a_file_that_is_no_export_is_refused_whole(cast, client_for):
    village = client_for(cast["village"])
    upload(village, "名单.csv", "户编号,姓名\n1,张三\n".encode())
    batch = SubmissionImport.objects.get()
    assert "《名单.csv》没有提交编号列" in batch.refused and Visit.objects.count() == 0
    page = village.get(reverse("odk:import_detail", args=[batch.pk])).text
    assert "整个文件未能导入" in page
    empty = village.post(reverse("odk:upload"), {})
    assert empty.status_code == 400 and "这个字段是必填项" in empty.text
    assert "下载 households.csv" in empty.text  # the villages still listed
    upload(village, "照片.jpg", b"\xff\xd8\xff")
    assert "不是 CSV 或 XLSX 文件" in SubmissionImport.objects.latest("pk").refused


def test_another_teams_import_is_not_found(cast, client_for):
    upload(
        client_for(cast["village"]),
        "submissions.csv",
        central_csv([("wang-1", _answers(WANG_HOUSEHOLD, "6000"))]),
    )
    batch = SubmissionImport.objects.get()
    assert (
        client_for(cast["wudu_village"]).get(reverse("odk:import_detail", args=[batch.pk])).status_code == 404
    )
    assert client_for(cast["shangping"]).get(reverse("odk:import_report", args=[batch.pk])).status_code == 404
    assert client_for(cast["township"]).get(reverse("odk:import_detail", args=[batch.pk])).status_code == 200


def test_the_cli_writes_the_form_and_imports_as_the_named_account(cast, tmp_path):
    from click.testing import CliRunner

    from fangfan.cli import main

    runner = CliRunner()
    team = cast["village"].username
    written = runner.invoke(
        main, ["odk", "form", "--user", team, "--village", SHIQIAO, "--out", str(tmp_path)]
    )
    assert written.exit_code == 0, written.output
    preload = (tmp_path / "households.csv").read_text("utf-8")
    assert "王秀英" in preload and WANG_XIUYING.id_number not in preload
    assert (tmp_path / f"石桥村入户走访表单-{SHIQIAO}.xlsx").exists()
    outside = runner.invoke(main, ["odk", "form", "--user", team, "--village", "621202001201"])
    assert outside.exit_code == 1 and "不在账号" in outside.output

    export = tmp_path / "submissions.csv"
    export.write_bytes(
        central_csv([("cli-1", _answers(WANG_HOUSEHOLD, "6000")), ("cli-2", _answers(MA_HOUSEHOLD, "6000"))])
    )
    loaded = runner.invoke(main, ["odk", "import", str(export), "--user", team])
    assert loaded.exit_code == 0, loaded.output
    assert "新增走访 1 条" in loaded.output and "生成发现线索 1 条" in loaded.output
    report = tmp_path / "submissions-导入报告.xlsx"
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("未能导入的行").to_python()
    assert rows[1][1:3] == [3, "household-household_id"]
    again = runner.invoke(main, ["odk", "import", str(export), "--user", team])
    assert "重复提交已忽略 1 条" in again.output and Visit.objects.count() == 1

    bad = tmp_path / "名单.csv"
    bad.write_text("户编号,姓名\n1,张三\n", encoding="utf-8")
    refused = runner.invoke(main, ["odk", "import", str(bad), "--user", team])
    assert refused.exit_code == 1 and "没有提交编号列" in refused.output
