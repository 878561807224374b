"""Rectification workbooks: the three lists, the county 整改台账 and the progress report.

The cast, all in 武都区 unless said, as of 2021-04-10:

- 1号 (省际交叉考核, 汉王镇): closed on 2021-03-30, a day before its deadline;
- 2号 (省际交叉考核, 角弓镇): open and past its 2021-03-31 deadline: overdue, listed first;
- 3号 (自查, 汉王镇): open, due 2021-04-12: due within three days (临期);
- 4号 (自查, 县级): closed late (2021-04-05 for 2021-03-31), then found again by 回头看:
  reopened once and recurring; its households hold 王秀英's whole ID and phone;
- 5号 (自查, 成县): 长期坚持, no date: closed, and on time whatever the day;
- 6号 (自查, 成县): past its 2021-04-01 deadline, but its fix was reported on 2021-04-08
  and waits for acceptance: not overdue (the near miss of 2号).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from fangfan.engine.rectification.report import frame, progress_rows
from fangfan.engine.rectification.workbooks import (
    BY_TOWNSHIP,
    write_county_ledger,
    write_county_ledgers,
    write_feedback_report,
    write_progress_report,
    write_three_lists,
)

TODAY = dt.date(2021, 4, 10)
WANG_ID = "621202196003051234"
WANG_PHONE = "13912345678"


def cast() -> pl.DataFrame:
    common = {"batch": "2020年省际交叉考核反馈问题", "measures": "逐户整改", "lead_unit": "武都区乡村振兴局"}
    return frame(
        [
            {
                **common,
                "number": "1",
                "source": "省际交叉考核",
                "county_code": "621202",
                "township_code": "621202104",
                "place_name": "武都区汉王镇",
                "description": "收入核算不准",
                "deadline": dt.date(2021, 3, 31),
                "status": "已销号",
                "fixed": True,
                "closed": True,
                "closed_on": dt.date(2021, 3, 30),
                "reopened": 0,
                "recurring": False,
                "responsible_person": "张明",
            },
            {
                **common,
                "number": "2",
                "source": "省际交叉考核",
                "county_code": "621202",
                "township_code": "621202106",
                "place_name": "武都区角弓镇",
                "description": "危房资料不全",
                "deadline": dt.date(2021, 3, 31),
                "status": "整改中",
                "closed": False,
                "reopened": 0,
            },
            {
                **common,
                "number": "3",
                "source": "自查",
                "county_code": "621202",
                "township_code": "621202104",
                "place_name": "武都区汉王镇",
                "description": "走访记录雷同",
                "deadline": dt.date(2021, 4, 12),
                "status": "整改中",
                "closed": False,
                "reopened": 0,
            },
            {
                **common,
                "number": "4",
                "source": "自查",
                "county_code": "621202",
                "place_name": "武都区",
                "description": '=HYPERLINK("x")',
                "households": f"王秀英（{WANG_ID}，{WANG_PHONE}）",
                "deadline": dt.date(2021, 3, 31),
                "status": "整改中",
                "closed": False,
                "closed_on": dt.date(2021, 4, 5),
                "reopened": 1,
                "recurring": True,
            },
            {
                **common,
                "number": "5",
                "source": "自查",
                "county_code": "621221",
                "place_name": "成县",
                "description": "带贫机制不健全",
                "deadline_text": "长期坚持",
                "status": "已销号",
                "fixed": True,
                "closed": True,
                "closed_on": dt.date(2021, 4, 1),
                "reopened": 0,
            },
            {
                **common,
                "number": "6",
                "source": "自查",
                "county_code": "621221",
                "place_name": "成县",
                "description": "小额信贷台账不全",
                "deadline": dt.date(2021, 4, 1),
                "status": "已整改待验收",
                "fixed": True,
                "closed": False,
                "reopened": 0,
            },
        ]
    )


def sheet(path: Path, name: str) -> list[list[str]]:
    loaded = fastexcel.read_excel(path).load_sheet(name, header_row=None, dtypes="string").to_polars()
    return [["" if value is None else value for value in row] for row in loaded.rows()]


def test_three_lists_have_their_sheets_headers_and_overdue_items_first(tmp_path: Path) -> None:
    path = tmp_path / "三清单.xlsx"
    write_three_lists(path, cast(), title="武都区", today=TODAY)

    assert fastexcel.read_excel(path).sheet_names == ["问题清单", "任务清单", "责任清单"]
    problems = sheet(path, "问题清单")
    assert problems[0][0] == "武都区问题清单"
    assert problems[1][0] == "制表日期：2021年4月10日"
    assert problems[2] == [
        "序号",
        "问题编号",
        "问题来源",
        "批次",
        "涉及地区",
        "问题描述",
        "问题类别",
        "涉及农户",
    ]
    tasks = sheet(path, "任务清单")
    assert tasks[2][4:9] == ["整改措施", "整改时限", "时限说明", "整改进展", "督办提示"]
    # Overdue (2号, 4号 by deadline), then due soon (3号), then the rest.
    assert [row[1] for row in tasks[3:]] == ["2", "4", "3", "1", "6", "5"]
    assert [row[8] for row in tasks[3:]] == ["逾期", "逾期", "临期", "", "", ""]
    duties = sheet(path, "责任清单")
    assert duties[2][3:5] == ["牵头单位", "责任人"]
    assert duties[6][3:5] == ["武都区乡村振兴局", "张明"]


def test_ids_and_phones_are_masked_unless_full_id_and_formulas_stay_text(tmp_path: Path) -> None:
    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    write_three_lists(masked, cast(), title="武都区", today=TODAY)
    write_three_lists(full, cast(), title="武都区", today=TODAY, full_id=True)

    households = {row[1]: row[7] for row in sheet(masked, "问题清单")[3:]}
    assert households["4"] == "王秀英（621202********1234，139****5678）"
    assert {row[1]: row[7] for row in sheet(full, "问题清单")[3:]}[
        "4"
    ] == f"王秀英（{WANG_ID}，{WANG_PHONE}）"
    assert "已脱敏" in sheet(masked, "问题清单")[1][3]
    assert "含完整身份证号" in sheet(full, "问题清单")[1][3]
    with zipfile.ZipFile(masked) as archive:
        xml = b"".join(archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
    assert b"<f>" not in xml  # =HYPERLINK(...) written as text, never a formula
    assert WANG_ID.encode() not in xml
    assert b'ySplit="3"' in xml  # the header row frozen


def test_county_ledger_has_a_summary_and_a_sheet_per_source(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    wudu = cast().filter(pl.col("county_code") == "621202")
    names = write_county_ledger(path, wudu, county_name="武都区", today=TODAY)

    assert names == ["汇总", "省际交叉考核", "自查"]
    summary = sheet(path, "汇总")
    assert summary[0][0] == "武都区整改台账汇总（按问题来源）"
    assert summary[2][:4] == ["问题来源", "交办问题", "已销号", "未销号"]
    assert summary[3][:5] == ["省际交叉考核", "2", "1", "1", "1"]
    assert summary[5][:2] == ["合计", "4"]
    own = sheet(path, "自查")
    assert own[0][0] == "武都区自查整改台账"
    assert [row[1] for row in own[3:]] == ["4", "3"]
    assert own[3][15] == "复发，重新打开1次"


def test_county_ledger_by_township_puts_county_level_problems_on_their_own_sheet(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    wudu = cast().filter(pl.col("county_code") == "621202")
    names = write_county_ledger(path, wudu, county_name="武都区", today=TODAY, by=BY_TOWNSHIP)

    assert sorted(names[1:]) == ["县级", "汉王镇", "角弓镇"]
    assert [row[1] for row in sheet(path, "汉王镇")[3:]] == ["3", "1"]


def test_one_ledger_per_county(tmp_path: Path) -> None:
    written = write_county_ledgers(cast(), tmp_path, today=TODAY)

    assert [path.name for path in written] == ["武都区整改台账.xlsx", "成县整改台账.xlsx"]


def test_progress_counts_received_closed_overdue_reopened_recurring_and_on_time_share() -> None:
    counts = progress_rows(cast(), today=TODAY, by=("county_code",))

    wudu = counts.filter(pl.col("county_code") == "621202").row(0, named=True)
    assert {k: wudu[k] for k in ("received", "closed", "open", "overdue", "reopened", "recurring")} == {
        "received": 4,
        "closed": 1,
        "open": 3,
        "overdue": 2,
        "reopened": 1,
        "recurring": 1,
    }
    assert wudu["on_time_share"] == pytest.approx(1.0)
    cheng = counts.filter(pl.col("county_code") == "621221").row(0, named=True)
    assert (cheng["closed_on_time"], cheng["county_name"]) == (1, "成县")  # 长期坚持 cannot be late
    assert (cheng["received"], cheng["open"], cheng["overdue"]) == (2, 1, 0)  # 6号's fix awaits acceptance


def test_progress_report_by_source_county_and_both(tmp_path: Path) -> None:
    path = tmp_path / "进度.xlsx"
    write_progress_report(path, cast(), title="陇南市", today=TODAY)

    assert fastexcel.read_excel(path).sheet_names == ["按来源", "按县区", "来源与县区"]
    by_source = sheet(path, "按来源")
    assert by_source[2] == [
        "问题来源",
        "交办问题",
        "已销号",
        "未销号",
        "逾期未销号",
        "销号后重新打开",
        "复发",
        "按期销号",
        "按期销号率",
    ]
    assert by_source[3][:2] == ["省际交叉考核", "2"]
    assert by_source[5][:3] == ["合计", "6", "2"]
    assert float(by_source[5][8]) == pytest.approx(1.0)
    assert [row[0] for row in sheet(path, "按县区")[3:]] == ["武都区", "成县", "合计"]
    assert len(sheet(path, "来源与县区")) == 3 + 3


def test_feedback_report_lists_each_problem_with_file_row_and_column(tmp_path: Path) -> None:
    from tests.engine.test_rectification_feedback import RECEIVED, broken

    from fangfan.engine.rectification.feedback import read_feedback

    feedback = read_feedback(broken(tmp_path / "清单.xlsx"), "清单.xlsx", received=RECEIVED)
    path = tmp_path / "报告.xlsx"
    write_feedback_report(path, feedback, today=TODAY)

    report = sheet(path, "导入问题")
    assert "整个文件未导入" in report[0][0]
    assert report[2] == ["文件", "工作表", "行号", "列", "值", "问题", "处理"]
    assert report[3][:4] == ["清单.xlsx", "反馈问题", "3", "问题描述"]
    assert report[3][6] == "错误（整个文件未导入）"
    assert len(report) - 3 == feedback.problems.height


def test_a_countys_progress_report_goes_by_township(tmp_path: Path) -> None:
    path = tmp_path / "进度.xlsx"
    write_progress_report(
        path, cast().filter(pl.col("county_code") == "621202"), title="武都区", today=TODAY, by_township=True
    )

    assert fastexcel.read_excel(path).sheet_names == ["按来源", "按乡镇", "来源与乡镇"]
    rows = sheet(path, "按乡镇")
    assert rows[2][0] == "乡镇"
    assert [row[:3] for row in rows[3:]] == [
        ["汉王镇", "2", "1"],
        ["角弓镇", "1", "0"],
        ["县级", "1", "0"],
        ["合计", "4", "1"],
    ]
