"""The as-of date comes from the data unless it is given.

The cast: one household of 东关村 (礼县城关镇), 王秀英 (tests/cast.py) with her grandson
李浩, born 2012-03-10. The county exports its registry as three CSV files:

- this month's export says so in a title row: 礼县建档立卡户信息（截至2026年10月31日）;
- last month's came without a title, so its newest date is what it knows: 王秀英's
  household entered monitoring on 2026-09-15, a date after every birth; a department
  feed beside it (户籍变动, 2026-10-20) is not the registry's date, and a 识别监测时间
  mistyped as 2062 is no export date at all;
- another office names its files by date: 户信息_20260930.csv.

And when the office gives `--as-of`, that date wins over anything the data says.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cast import LI_HAO, WANG_XIUYING
from fangfan.cli import main
from fangfan.engine.ingest import import_directory
from fangfan.engine.ingest.asof import GIVEN, GIVEN_ON_COMMAND_LINE, NEWEST_IN_DATA, TODAY, find_as_of
from fangfan.engine.schema import HOUSEHOLDS, INCOME, MEMBERS
from fangfan.engine.snapshot import SnapshotStore

VILLAGE = "621226100201"
TITLE = "礼县建档立卡户信息（截至2026年10月31日）"


def _csv(path: Path, headers: list[str], rows: list[dict[str, str]], title: str = "") -> None:
    lines = [title] if title else []
    lines.append(",".join(headers))
    lines += [",".join(row.get(h, "") for h in headers) for row in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def write_registry(
    folder: Path, *, title: str = "", monitoring_since: str = "", households_file: str = "户信息.csv"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    household = {
        "户编号": "H001",
        "行政区划代码": VILLAGE,
        "户主姓名": WANG_XIUYING.name,
        "户主身份证号": WANG_XIUYING.id_number,
        "户类型": "监测户",
        "识别监测时间": monitoring_since,
        "家庭人口数": "2",
    }
    _csv(folder / households_file, [f.header for f in HOUSEHOLDS.fields], [household], title)
    members = [
        {
            "户编号": "H001",
            "姓名": WANG_XIUYING.name,
            "证件号码": WANG_XIUYING.id_number,
            "与户主关系": "户主",
        },
        {"户编号": "H001", "姓名": LI_HAO.name, "证件号码": LI_HAO.id_number, "与户主关系": "之孙子"},
    ]
    for member, person in zip(members, (WANG_XIUYING, LI_HAO), strict=True):
        assert person.born is not None
        member["出生日期"] = person.born.isoformat()
    _csv(folder / "成员信息.csv", [f.header for f in MEMBERS.fields], members)
    income = {"户编号": "H001", "年度": "2025", "家庭纯收入": "15000", "人均纯收入": "7500"}
    _csv(folder / "收入信息.csv", [f.header for f in INCOME.fields], [income])
    return folder


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FANGFAN_HEADER_SYNONYMS", raising=False)
    return tmp_path / "home"


def test_a_registry_whose_title_says_截至_is_dated_by_its_title(tmp_path: Path, home: Path) -> None:
    folder = write_registry(tmp_path / "in", title=TITLE, monitoring_since="2026-09-15")
    outcome = CliRunner().invoke(main, ["import", str(folder)])
    assert outcome.exit_code == 0, outcome.output
    snapshot = SnapshotStore().latest()
    assert snapshot.as_of == dt.date(2026, 10, 31)
    assert snapshot.manifest["as_of_source"] == "数据标题（截至2026年10月31日）"
    assert "数据截止日期：2026-10-31（数据标题（截至2026年10月31日））" in outcome.output


def test_without_a_stated_date_the_newest_date_of_the_registry_is_the_as_of(
    tmp_path: Path, home: Path
) -> None:
    folder = write_registry(tmp_path / "in", monitoring_since="2026-09-15")
    feed = folder / "户籍变动.csv"
    feed.write_text(
        f"身份证号,姓名,户籍状态,变动日期\n{LI_HAO.id_number},{LI_HAO.name},迁出,2026-10-20\n", "utf-8"
    )
    result = import_directory(folder)
    assert result.snapshot.as_of == dt.date(2026, 9, 15)
    assert result.snapshot.as_of_source == NEWEST_IN_DATA
    assert result.as_of is not None and result.as_of.source == NEWEST_IN_DATA


def test_a_date_after_today_is_no_export_date(tmp_path: Path, home: Path) -> None:
    folder = write_registry(tmp_path / "in", monitoring_since="2062-09-15")
    result = import_directory(folder)
    assert result.snapshot.as_of == LI_HAO.born  # the newest date not after today: the grandson's birth
    assert result.snapshot.as_of_source == NEWEST_IN_DATA


def test_a_date_in_a_registry_file_name_dates_the_import(tmp_path: Path, home: Path) -> None:
    folder = write_registry(
        tmp_path / "in", monitoring_since="2026-09-15", households_file="户信息_20260930.csv"
    )
    result = import_directory(folder)
    assert result.snapshot.as_of == dt.date(2026, 9, 30)
    assert result.snapshot.as_of_source == "文件名（户信息_20260930.csv）"


def test_the_as_of_given_on_the_command_line_wins_over_the_title(tmp_path: Path, home: Path) -> None:
    folder = write_registry(tmp_path / "in", title=TITLE)
    outcome = CliRunner().invoke(main, ["import", str(folder), "--as-of", "2026-06-30"])
    assert outcome.exit_code == 0, outcome.output
    snapshot = SnapshotStore().latest()
    assert snapshot.as_of == dt.date(2026, 6, 30)
    assert snapshot.as_of_source == GIVEN_ON_COMMAND_LINE
    called = import_directory(folder, as_of=dt.date(2026, 5, 31))
    assert called.snapshot.as_of_source == GIVEN


def test_the_monthly_run_summary_says_where_its_date_came_from(tmp_path: Path, home: Path) -> None:
    folder = write_registry(tmp_path / "in", title=TITLE)
    outcome = CliRunner().invoke(main, ["run", str(folder), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.output
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    assert summary["as_of"] == "2026-10-31"
    assert summary["as_of_source"] == "数据标题（截至2026年10月31日）"
    given = CliRunner().invoke(
        main, ["run", str(folder), "--out", str(tmp_path / "given"), "--as-of", "2026-07-31"]
    )
    assert given.exit_code == 0, given.output
    summary = json.loads((tmp_path / "given" / "运行摘要.json").read_text("utf-8"))
    assert (summary["as_of"], summary["as_of_source"]) == ("2026-07-31", GIVEN_ON_COMMAND_LINE)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("陇南市武都区建档立卡成员信息（截至2026年10月31日）", dt.date(2026, 10, 31)),
        ("数据截止：2026-09-30", dt.date(2026, 9, 30)),
        ("截止日期 2026/8/31 制表人：张", dt.date(2026, 8, 31)),
        ("统计截至２０２６年７月３１日", dt.date(2026, 7, 31)),  # full-width digits
        ("截至20260630", dt.date(2026, 6, 30)),
    ],
)
def test_the_ways_a_title_states_its_date(title: str, expected: dt.date) -> None:
    found = find_as_of(None, [{"file": "a.xlsx", "table": "members", "title": title}], {})
    assert found.date == expected
    assert found.source.startswith("数据标题（") and found.source.endswith("）")


def test_a_title_without_a_whole_date_states_none_and_the_registry_wins_over_a_feed() -> None:
    titles = [
        {"file": "国扶办导出.xlsx", "table": "households", "title": "礼县城关镇东关村 户信息表（2024年）"},
        {"file": "卫健.xlsx", "table": "medical_claims", "title": "医疗费用（截至2026年11月30日）"},
        {"file": "x.xlsx", "table": "members", "title": "截至2026年2月30日"},  # no such day
    ]
    found = find_as_of(None, titles, {}, today=dt.date(2027, 1, 5))
    assert found.date == dt.date(2026, 11, 30)  # only a feed states a date
    titles.append({"file": "成员_2026-10-31.csv", "table": "members", "title": ""})
    found = find_as_of(None, titles, {}, today=dt.date(2027, 1, 5))
    assert (found.date, found.source) == (dt.date(2026, 10, 31), "文件名（成员_2026-10-31.csv）")
    assert find_as_of(None, [], {}, today=dt.date(2027, 1, 5)).source == TODAY
