"""Import-level problems (`--messy` only), each on a row that stands alone.

Outsiders (people the registry does not hold) carry the value problems, so a value
the importer blanks cannot change any rule's verdict; duplicates repeat a row right
below it; sex and birth-date mismatches sit on plain adults of untouched households.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.idnumber import make
from fangfan.engine.synth.names import person_names
from fangfan.engine.synth.truth import Truth

Tables = dict[str, pl.DataFrame]
COUNT = 4


def _outsiders(rng: np.random.Generator, count: int) -> pl.DataFrame:
    male = rng.random(count) < 0.5
    numbers = []
    for i in range(count):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=int(rng.integers(0, 12000)))
        numbers.append(make("621202", born, int(rng.integers(0, 500)) * 2 + int(male[i])))
    return pl.DataFrame(
        {
            "id_number": numbers,
            "name": person_names(rng, male),
            "_hh": [-1] * count,
            "_county": ["武都区"] * count,
        }
    )


def _add(
    truth: Truth,
    tables: Tables,
    table: str,
    kind: str,
    code: str,
    rows: pl.DataFrame,
    field: str,
    value: str,
    detail: str,
    *,
    in_registry: bool = True,
) -> None:
    frame = tables[table]
    record = rows.select(
        household_id=pl.col("household_id") if in_registry and "household_id" in rows.columns else pl.lit(""),
        id_number=pl.col("id_number") if "id_number" in rows.columns else pl.lit(""),
        value=pl.lit(value),
    )
    ids = truth.add(
        kind, record, table=table, field_name=field, detail=detail, wrong_source=table, import_code=code
    )
    rows = rows.with_columns(_mark=ids)
    for name, dtype in frame.schema.items():
        if name not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=dtype).alias(name))
    tables[table] = pl.concat([frame, rows.select(frame.columns).cast(frame.schema)])


def inject_imports(rng: np.random.Generator, tables: Tables, truth: Truth) -> None:
    people = _outsiders(rng, COUNT * 5)
    chunk = [people.slice(i * COUNT, COUNT) for i in range(5)]
    vehicles = chunk[0].with_columns(vehicle_type=pl.lit("拖拉机"), status=pl.lit("正常"))
    _add(
        truth,
        tables,
        "vehicles",
        "IMPORT_ENUM_INVALID",
        "ENUM_INVALID",
        vehicles,
        "vehicle_type",
        "拖拉机",
        "车辆类型不在允许范围内",
    )
    civil = chunk[1].with_columns(registration_status=pl.lit("正常"), change_date=pl.lit("2024年2月30日"))
    _add(
        truth,
        tables,
        "civil_registration",
        "IMPORT_DATE_INVALID",
        "DATE_INVALID",
        civil,
        "change_date",
        "2024年2月30日",
        "变动日期不存在",
    )
    employment = chunk[2].with_columns(
        name=pl.lit(None, pl.String), employment_status=pl.lit("就业"), monthly_income=pl.lit(3000.0)
    )
    _add(
        truth,
        tables,
        "employment",
        "IMPORT_REQUIRED_MISSING",
        "REQUIRED_MISSING",
        employment,
        "name",
        "",
        "姓名为空",
    )
    disasters = chunk[3].select(
        village_code=pl.lit("621202999201"),
        head_id_number="id_number",
        head_name="name",
        _county="_county",
        _hh="_hh",
        occurred_on=pl.lit("2025-07-01"),
        house_damage=pl.lit("无"),
        disaster_type=pl.lit("洪涝"),
    )
    _add(
        truth,
        tables,
        "disasters",
        "IMPORT_TOWNSHIP_UNKNOWN",
        "TOWNSHIP_UNKNOWN",
        disasters.rename({"head_id_number": "id_number"})
        .with_columns(head_id_number=pl.col("id_number"))
        .drop("id_number")
        .with_columns(id_number=pl.lit("")),
        "village_code",
        "621202999201",
        "行政区划代码所属乡镇不存在",
    )
    _unknown_household(rng, tables, truth, chunk[4])
    _duplicates(rng, tables, truth)
    _mismatches(rng, tables, truth)


def _unknown_household(rng: np.random.Generator, tables: Tables, truth: Truth, people: pl.DataFrame) -> None:
    members = tables["members"]
    template = members.filter(pl.col("_slot") == 0).head(people.height)
    rows = template.with_columns(
        household_id=pl.lit("6212029999999") + pl.Series([f"{i:03d}" for i in range(people.height)]),
        id_number=people["id_number"],
        name=people["name"],
        _hh=pl.lit(-1, pl.Int64),
        relation=pl.lit("户主"),
    )
    rows = _consistent_birth(rows)
    _add(
        truth,
        tables,
        "members",
        "IMPORT_UNKNOWN_HOUSEHOLD",
        "UNKNOWN_HOUSEHOLD",
        rows,
        "household_id",
        "",
        "户编号在户信息表中不存在",
        in_registry=False,
    )


def _consistent_birth(rows: pl.DataFrame) -> pl.DataFrame:
    """Sex and birth date as the (new) ID says, so only the household is wrong."""
    born = pl.col("id_number").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d").dt.strftime("%Y-%m-%d")
    odd = pl.col("id_number").str.slice(16, 1).cast(pl.Int32) % 2 == 1
    return rows.with_columns(birth_date=born, sex=pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女")))


def _duplicates(rng: np.random.Generator, tables: Tables, truth: Truth) -> None:
    for table in ("school_roll", "members"):
        frame = tables[table].with_row_index("_order")
        typo = ~pl.col("_typo").fill_null(False) if "_typo" in frame.columns else pl.lit(True)
        free = frame.filter(pl.col("_mark").is_null() & (pl.col("_hh") >= 0) & typo)
        chosen = free.sample(n=min(COUNT, free.height), seed=int(rng.integers(0, 2**31)))
        hh = tables["households"].select("_hh", "household_id")
        record = chosen.select("_hh", "id_number").join(hh, on="_hh", how="left", maintain_order="left")
        ids = truth.add(
            "IMPORT_DUPLICATE_KEY",
            record.with_columns(value=pl.col("id_number")),
            table=table,
            field_name="id_number",
            detail="与上一行完全重复",
            wrong_source=table,
            import_code="DUPLICATE_KEY",
        )
        copies = chosen.with_columns(_mark=ids, _order=pl.col("_order") + 0.5)
        merged = pl.concat(
            [
                frame.with_columns(pl.col("_order").cast(pl.Float64)),
                copies.with_columns(pl.col("_order").cast(pl.Float64)),
            ]
        )
        tables[table] = merged.sort("_order").drop("_order")


def _mismatches(rng: np.random.Generator, tables: Tables, truth: Truth) -> None:
    members = tables["members"].with_row_index("_index")
    plain = (
        pl.col("_mark").is_null()
        & (pl.col("member_status") == "正常")
        & pl.col("_age").is_between(30, 55)
        & pl.col("id_number").str.contains(r"^[0-9]{17}[0-9X]$")
        & (pl.col("_slot") < 99)
        & ~pl.col("_hh").is_in(list(truth.used_households))
    )
    chosen = (
        members.filter(plain)
        .unique("_hh", keep="first", maintain_order=True)
        .sample(n=2 * COUNT, seed=int(rng.integers(0, 2**31)))
    )
    truth.used_households.update(chosen["_hh"].to_list())
    sex_rows, birth_rows = chosen.head(COUNT), chosen.tail(COUNT)
    flipped = pl.when(pl.col("sex") == "男").then(pl.lit("女")).otherwise(pl.lit("男"))
    sex_rows = sex_rows.with_columns(sex=flipped)
    ids = truth.add(
        "IMPORT_SEX_MISMATCH",
        sex_rows.select("household_id", "id_number", value="sex"),
        table="members",
        field_name="sex",
        detail="性别与身份证号不一致",
        wrong_source="registry",
        import_code="SEX_MISMATCH",
    )
    sex_rows = sex_rows.with_columns(_mark=ids)
    shifted = pl.col("id_number").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d") + pl.duration(days=40)
    birth_rows = birth_rows.with_columns(birth_date=shifted.dt.strftime("%Y-%m-%d"))
    ids = truth.add(
        "IMPORT_BIRTH_DATE_MISMATCH",
        birth_rows.select("household_id", "id_number", value="birth_date"),
        table="members",
        field_name="birth_date",
        detail="出生日期与身份证号不一致",
        wrong_source="registry",
        import_code="BIRTH_DATE_MISMATCH",
    )
    birth_rows = birth_rows.with_columns(_mark=ids, _serial_dates=pl.lit(False))
    changes = pl.concat([sex_rows, birth_rows]).select(
        "_index", _sex="sex", _birth="birth_date", _new_mark="_mark"
    )
    members = members.join(changes, on="_index", how="left", maintain_order="left")
    tables["members"] = members.with_columns(
        sex=pl.coalesce("_sex", "sex"),
        birth_date=pl.coalesce("_birth", "birth_date"),
        _mark=pl.coalesce("_new_mark", "_mark"),
        _serial_dates=pl.when(pl.col("_new_mark").is_not_null()).then(False).otherwise("_serial_dates"),
    ).drop("_index", "_sex", "_birth", "_new_mark")
