"""The named cast: one name is one person in every engine and web test.

Tests build their households in their own fixtures (a hand-made snapshot, a township's
export, rows in the test database); the people who appear in more than one test module
are defined here once, with their ID numbers, villages and stories, so that a name read
in a failure means the same person wherever it appears. Everyone lives in the small
陇南市 of `fangfan.web.accounts.testing.make_regions`.

礼县 城关镇 石桥村 (621226100201):

- 王秀英, born 1968-03-05, heads an exited household (脱贫户, 2019). Her son
  李明, born 1992-07-09, has a serious illness and the bills are eating the family's
  income; she reports it herself on her phone (13912345678), with her ID number, and the
  report finds her household. Her grandson 李浩, born 2012-03-10, left school in grade 8
  at 14: the registry says 失学辍学 and the school roll says 辍学.
- 赵永福: the flood brought his house down (a department warning and an income finding
  in the current run, and a food finding that is no lead at all).

礼县 城关镇 上坪村 (621226100202):

- 张德顺 heads a household of three (一般农户); the village team works its income out item
  by item: ¥8,400 for the year, under the line.
- 孙桂兰, born 1950-02-01, lives alone and cannot work any more; she is on 低保, which
  keeps her: however her income stands, she stays monitored. In 2024 she earned 7,500
  a head, under that year's 7,800 monitoring threshold.

武都区 钟楼街道 北关村 (621202001201):

- 马占山 heads a household of five: outside every 礼县 account's region.

石桥镇, the township whose clerk makes its own export (tests/engine/test_township_export.py,
published in tests/web/test_workqueue_identity.py):

- 赵德明, born 1998-05-12, a son in household 03: Excel stored his registry ID as a
  number and rounded it.
- 钱秀兰 (household 07): her registry ID has a wrong check character.
- 孙建国 (household 11, head): registered 女 though his ID says male.
- 李小红, born 2014-06-01 (household 15): a digit of her registry ID is missing.

Everybody else in a test is that module's own: a name used in one module, or with one
story wherever it appears (tests/engine/test_screen.py's households, which test_wide.py
and test_rules_polars.py borrow; its 杨春花 and her husband 何强, who are in
test_monitoring_signals.py too). test_link.py's two cousins named 郑明 share a name on
purpose: the linker must tell them apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from fangfan.engine import idnumber
from fangfan.engine.schema import TABLES

LIXIAN = "621226"
SHIQIAO = "621226100201"  # 礼县 城关镇 石桥村
SHANGPING = "621226100202"  # 礼县 城关镇 上坪村
BEIGUAN = "621202001201"  # 武都区 钟楼街道 北关村


@dataclass(frozen=True)
class Person:
    name: str
    born: dt.date | None = None
    id_number: str = ""
    village_code: str = ""
    phone: str = ""


def _person(name: str, born: dt.date, sequence: int, village_code: str, phone: str = "") -> Person:
    return Person(name, born, idnumber.make(LIXIAN, born, sequence), village_code, phone)


WANG_XIUYING = _person("王秀英", dt.date(1968, 3, 5), 42, SHIQIAO, phone="13912345678")
LI_MING = _person("李明", dt.date(1992, 7, 9), 17, SHIQIAO)  # her son
LI_HAO = _person("李浩", dt.date(2012, 3, 10), 31, SHIQIAO)  # her grandson
ZHAO_YONGFU = Person("赵永福", village_code=SHIQIAO)
ZHANG_DESHUN = Person("张德顺", village_code=SHANGPING)
SUN_GUILAN = _person("孙桂兰", dt.date(1950, 2, 1), 23, SHANGPING)
MA_ZHANSHAN = Person("马占山", village_code=BEIGUAN)

# 石桥镇's own export: the IDs are made by that test module (its clerk's numbering).
ZHAO_DEMING = Person("赵德明", dt.date(1998, 5, 12))
QIAN_XIULAN = Person("钱秀兰")
SUN_JIANGUO = Person("孙建国")
LI_XIAOHONG = Person("李小红", dt.date(2014, 6, 1))


# Building a snapshot of a module's own households (tests/engine/test_screen.py,
# tests/engine/test_monitoring_signals.py): a member row as the registry keeps it, and rows as
# a snapshot table.


def person_id(name: str, born: dt.date) -> str:
    """A valid 礼县 ID for a module's own person, the same in every build of its cast."""
    return str(idnumber.make(LIXIAN, born, sum(map(ord, name)) % 997 + 1))


def member(household_id: str, name: str, relation: str, born: dt.date, **changes: Any) -> dict[str, Any]:
    """A healthy man working outside the province all year, insured, no family doctor, as
    `changes` do not say otherwise."""
    row: dict[str, Any] = {
        "household_id": household_id,
        "name": name,
        "id_number": person_id(name, born),
        "relation": relation,
        "sex": "男",
        "birth_date": born,
        "ethnicity": "汉族",
        "schooling": "非在校生",
        "health": "健康",
        "labour": "普通劳动力",
        "work_status": "省外务工",
        "work_months": 10,
        "medical_insured": "城乡居民基本医疗保险",
        "pension_insured": "城乡居民基本养老保险",
        "family_doctor": "否",
        "dibao": "否",
        "tekun": "否",
        "member_status": "正常",
    }
    row.update(changes)
    return row


_POLARS_TYPES = {"date": pl.Date, "integer": pl.Int64, "money": pl.Float64, "decimal": pl.Float64}


def snapshot_frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a snapshot table: every schema field typed, plus the bookkeeping columns."""
    fields = TABLES[table].fields
    schema = {f.name: _POLARS_TYPES.get(f.kind.value, pl.String) for f in fields}
    data = pl.DataFrame([{f.name: row.get(f.name) for f in fields} for row in rows], schema=schema)
    extra = [
        pl.lit(f"{table}.csv").alias("_file"),
        pl.lit(None, dtype=pl.String).alias("_sheet"),
        (pl.int_range(pl.len()) + 2).alias("_row"),
        pl.lit([], dtype=pl.List(pl.String)).alias("_flags"),
    ]
    ids = [pl.lit(True).alias(f"{f.name}_valid") for f in fields if f.kind.value == "id_number"]
    return data.with_columns(*extra, *ids)
