"""The one formatting layer: dates, local times, money, run names, evidence in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangfan.engine.formatting import (
    date_text,
    datetime_text,
    evidence_text,
    money_text,
    number_text,
    run_name,
)


def test_a_date_reads_as_an_office_document_writes_it() -> None:
    assert date_text(dt.date(2026, 12, 5)) == "2026年12月5日"
    assert date_text("2026-01-09") == "2026年1月9日"
    assert date_text(None) == "—"


def test_a_utc_timestamp_late_in_the_evening_falls_on_the_next_local_day() -> None:
    # 21:40 UTC on 4 December is 05:40 on 5 December in 陇南.
    moment = dt.datetime(2026, 12, 4, 21, 40, tzinfo=dt.UTC)
    assert datetime_text(moment) == "2026年12月5日 05:40"
    assert datetime_text("2026-12-04T21:40:00Z") == "2026年12月5日 05:40"
    assert date_text(moment) == "2026年12月5日"


def test_money_has_thousands_separators_and_yuan_never_a_trailing_zero_or_an_exponent() -> None:
    assert money_text(4652.0) == "4,652 元"
    assert money_text(8.7e3) == "8,700 元"
    assert money_text(Decimal("4652.50")) == "4,652.50 元"
    assert money_text("12345.678") == "12,345.68 元"
    assert money_text(None) == "—"
    assert number_text(1234.0) == "1,234"


def test_runs_are_named_by_their_local_day_and_order_that_day() -> None:
    second = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)  # 5 December, 04:00 local
    assert run_name(second, 2) == "2026年12月5日 第2次筛查"


def test_evidence_is_written_in_words_with_the_registry_named_as_the_source() -> None:
    evidence = (
        '{"随时能吃肉蛋奶或豆制品": {"value": "否", "source": "户信息"},'
        ' "人均纯收入(按分项重算)": {"value": 4652.0, "source": "计算"},'
        ' "民政在保低保": {"value": true, "source": "民政"}}'
    )
    assert evidence_text(evidence) == (
        "随时能吃肉蛋奶或豆制品：否（国扶办·户信息）；"
        "人均纯收入(按分项重算)：4,652 元（计算）；"
        "民政在保低保：是（民政）"
    )
    assert '{"value"' not in evidence_text(evidence)


def test_evidence_that_is_not_json_is_kept_as_written() -> None:
    assert evidence_text('=HYPERLINK("http://x")') == '=HYPERLINK("http://x")'
    assert evidence_text("{}") == ""
    assert (
        evidence_text([{"label": "姓名", "value": "王文宏", "source": "成员信息"}])
        == "姓名：王文宏（国扶办·成员信息）"
    )
