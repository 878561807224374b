"""How values read in everything people see: pages, Excel workbooks, printed ledgers.

One place decides the style, so a date, a time, an amount of money, a screening run
or a finding's evidence reads the same on a page and on paper:

>>> date_text(dt.date(2026, 12, 5))
'2026年12月5日'
>>> datetime_text(dt.datetime(2026, 12, 4, 17, 30, tzinfo=dt.UTC))
'2026年12月5日 01:30'
>>> money_text(4652.0)
'4,652 元'
>>> money_text("4652.5")
'4,652.50 元'
>>> run_name(dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC), 2)
'2026年12月5日 第2次筛查'
>>> evidence_text('{"随时能吃肉蛋奶或豆制品": {"value": "否", "source": "户信息"}}')
'随时能吃肉蛋奶或豆制品：否（国扶办·户信息）'

No Django here: the engine's ledgers use it directly and the web application wraps it
in template filters (`{% load format %}`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TIME_ZONE = ZoneInfo("Asia/Shanghai")
NOTHING = "—"
# The national registry's own tables (国扶办 = the national rural-revitalisation system).
REGISTRY_SOURCES = frozenset({"户信息", "成员信息", "收入信息"})
REGISTRY_NAME = "国扶办"


def date_text(value: dt.date | str | None) -> str:
    """A date as an office document writes it: 2026年12月5日 (a datetime by its local day)."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, str):
        parsed = _parse(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, dt.datetime):
        value = local_time(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def datetime_text(value: dt.datetime | str | None) -> str:
    """A moment in local time (Asia/Shanghai): 2026年12月5日 09:40. Naive times are UTC."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, str):
        parsed = _parse(value)
        if parsed is None:
            return value
        if not isinstance(parsed, dt.datetime):
            return date_text(parsed)
        value = parsed
    local = local_time(value)
    return f"{date_text(local.date())} {local:%H:%M}"


def local_time(value: dt.datetime) -> dt.datetime:
    """`value` in Asia/Shanghai; a naive value is taken as UTC (as the database keeps it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TIME_ZONE)


def money_text(value: Any, unit: str = " 元") -> str:
    """An amount with thousands separators and 元: whole yuan without decimals, else two.

    >>> money_text(8700), money_text(8.7e3), money_text(Decimal("1234567.891"))
    ('8,700 元', '8,700 元', '1,234,567.89 元')
    """
    amount = _decimal(value)
    if amount is None:
        return NOTHING if value is None or value == "" else str(value)
    amount = amount.quantize(Decimal("0.01"))
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}{unit}"
    return f"{amount:,.2f}{unit}"


def number_text(value: Any) -> str:
    """A count or other number with thousands separators, no 元 and no trailing .0."""
    amount = _decimal(value)
    if amount is None:
        return NOTHING if value is None or value == "" else str(value)
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount.normalize():,f}"


def run_name(screened_at: dt.datetime | dt.date | None, order_that_day: int) -> str:
    """A screening run by its (local) day and its order among the runs of that day."""
    return f"{date_text(screened_at)} 第{order_that_day}次筛查"


def source_text(source: str) -> str:
    """Where a value came from, as a cadre names it: 国扶办·户信息, 民政, 计算."""
    return f"{REGISTRY_NAME}·{source}" if source in REGISTRY_SOURCES else source


def evidence_value_text(label: str, value: Any) -> str:
    """One evidence value in words: 是/否, money with 元 for money columns, 未填写 for nothing."""
    if value is None or value == "":
        return "未填写"
    if isinstance(value, bool):
        return "是" if value else "否"
    dtype = _column_types().get(label)
    if dtype == "number":
        return money_text(value)
    if dtype == "integer" or isinstance(value, int | float):
        return number_text(value)
    if dtype == "date":
        return date_text(str(value))
    return str(value)


def evidence_lines(evidence: Any) -> list[str]:
    """Each evidence entry as 标签：值（来源）. `evidence` is the engine's JSON text
    (label → {value, source}), the web's list of {label, value, source}, or a dict."""
    entries = _evidence_entries(evidence)
    if entries is None:
        return [str(evidence)] if evidence not in (None, "") else []
    lines = []
    for label, value, source in entries:
        text = f"{label}：{evidence_value_text(label, value)}"
        lines.append(f"{text}（{source_text(source)}）" if source else text)
    return lines


def evidence_text(evidence: Any, separator: str = "；") -> str:
    """A finding's evidence in words, entries joined by `separator`."""
    return separator.join(evidence_lines(evidence))


def _evidence_entries(evidence: Any) -> list[tuple[str, Any, str]] | None:
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence or "{}")
        except ValueError:
            return None
    if isinstance(evidence, dict):
        return [
            (str(label), item.get("value"), str(item.get("source") or ""))
            if isinstance(item, dict) and "value" in item
            else (str(label), item, "")
            for label, item in evidence.items()
        ]
    if isinstance(evidence, list):
        return [
            (str(item.get("label", "")), item.get("value"), str(item.get("source") or ""))
            for item in evidence
            if isinstance(item, dict)
        ]
    return None


@cache
def _column_types() -> dict[str, str]:
    """{evidence label: column type} from the rules' wide-table columns."""
    from fangfan.engine.rules.columns import COLUMNS  # the rules package imports heavier modules

    return {column.label: column.dtype for table in COLUMNS.values() for column in table.values()}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _parse(text: str) -> dt.date | None:
    text = text.strip()
    try:
        if "T" in text or " " in text:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
