"""Which policies each household receives: the registry's members and households and the
department records linked to them, read through the year's catalogue.

Every source a catalogue entry may cite is named in `SOURCES`; each finds, in one kind of
data, the people or households that received something, with the amount where the data
has one (yuan for the policy year) and where it came from (a department feed's file and
row, or the 国扶办系统 field). A policy's rows from all its sources are merged per
household and person: the amounts added, the sources listed.

>>> # frame = received_policies(inputs, load_catalogue(2026))
>>> # frame.columns
>>> # ['household_id', 'key', 'name', 'department', 'amount', 'member_name', 'source']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from fangfan.engine.schema import TABLES

if TYPE_CHECKING:
    from fangfan.engine.cards.catalogue import Catalogue

# What a source yields: the person (registry ID when linked, else none) or the household.
FOUND_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.String(),
    "person_id_number": pl.String(),
    "member_name": pl.String(),
    "amount": pl.Float64(),
    "source": pl.String(),
}
RECEIVED_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.String(),
    "key": pl.String(),
    "name": pl.String(),
    "department": pl.String(),
    "amount": pl.Float64(),
    "member_name": pl.String(),
    "source": pl.String(),
}
# Members no longer in the household do not appear on its card.
GONE = ("死亡", "迁出")
# A person in school by the registry's 在校生情况 (the rest are not, or cannot study).
IN_SCHOOL = (
    "学前教育",
    "小学",
    "七年级",
    "八年级",
    "九年级",
    "高中",
    "中职",
    "高职",
    "大专及以上",
    "送教上门",
)
SEVERE_DISABILITY = ("一级", "二级")
# Sources listed by name on a card line at most this many times; the rest are counted.
SOURCES_SHOWN = 3


@dataclass(frozen=True)
class CardInputs:
    """What the policies are read from, whoever read it (a snapshot, or the web database).

    households: household_id, household_type, house_renovated, relocated.
    members: household_id, name, id_number and the registry's member fields
    (dibao, tekun, family_doctor, work_status, medical_insured, pension_insured,
    schooling, disability_grade, member_status), in the household's order.
    records: per department feed, its linked rows with household_id, person_id_number
    (the linked registry ID, null for a household's record), name, the feed's fields and
    `source` (where the row came from, in Chinese).
    """

    households: pl.DataFrame
    members: pl.DataFrame
    records: Mapping[str, pl.DataFrame] = field(default_factory=dict)


Source = Callable[[CardInputs, int], pl.DataFrame]


def received_policies(inputs: CardInputs, catalogue: Catalogue) -> pl.DataFrame:
    """One row per household, policy and person (member_name "" for the household) received
    in the catalogue's year, ordered by household, the catalogue's order and the household's
    members. Policies whose sources find nothing for a household are not listed."""
    parts: list[pl.DataFrame] = []
    types = inputs.households.select("household_id", "household_type")
    for order, policy in enumerate(catalogue.policies):
        found = [_found(SOURCES[name](inputs, catalogue.year)) for name in policy.sources]
        if not found:
            continue
        rows = pl.concat(found)
        if policy.household_types:
            allowed = types.filter(pl.col("household_type").is_in(policy.household_types))
            rows = rows.join(allowed.select("household_id"), on="household_id", how="semi")
        parts.append(
            rows.with_columns(
                pl.lit(order).alias("_order"),
                pl.lit(policy.key).alias("key"),
                pl.lit(policy.name).alias("name"),
                pl.lit(policy.department).alias("department"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=RECEIVED_SCHEMA)
    return _merged(_named(pl.concat(parts), inputs.members))


def _found(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.col(name).cast(kind) for name, kind in FOUND_SCHEMA.items())


def _named(rows: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Rows with the registry's name of the person (a department may spell it otherwise)
    and the person's place in the household (for the order on the card)."""
    people = (
        members.select(
            "household_id",
            pl.col("id_number").alias("person_id_number"),
            pl.col("name").alias("_registry_name"),
        )
        .with_columns(pl.int_range(pl.len()).over("household_id").alias("_position"))
        .unique(["household_id", "person_id_number"], keep="first")
    )
    joined = rows.join(people, on=["household_id", "person_id_number"], how="left", nulls_equal=False)
    return joined.with_columns(
        pl.coalesce("_registry_name", "member_name", pl.lit("")).alias("member_name"),
        pl.when(pl.coalesce("_registry_name", "member_name", pl.lit("")) == "")
        .then(-1)
        .otherwise(pl.col("_position").fill_null(10_000))
        .alias("_position"),
    ).drop("_registry_name")


def _merged(rows: pl.DataFrame) -> pl.DataFrame:
    merged = (
        rows.group_by("household_id", "_order", "key", "name", "department", "member_name")
        .agg(
            pl.when(pl.col("amount").is_not_null().any()).then(pl.col("amount").sum()).alias("amount"),
            pl.col("source").unique(maintain_order=True).alias("_sources"),
            pl.col("_position").min(),
        )
        .sort("household_id", "_order", "_position", "member_name")
    )
    shown = pl.col("_sources").list.head(SOURCES_SHOWN).list.join("；")
    more = pl.col("_sources").list.len().cast(pl.Int64) - SOURCES_SHOWN
    source = (
        pl.when(more > 0)
        .then(pl.format("{}；等共{}条", shown, pl.col("_sources").list.len()))
        .otherwise(shown)
    )
    return merged.with_columns(source.alias("source")).select(list(RECEIVED_SCHEMA))


# ---- sources: the registry ------------------------------------------------------------


def _registry_field(field_name: str) -> str:
    table = TABLES["members"] if field_name in TABLES["members"].field_names else TABLES["households"]
    return f"国扶办系统·{table.title}「{table.field(field_name).header}」"


def _present_members(inputs: CardInputs) -> pl.DataFrame:
    members = inputs.members
    if "member_status" in members.columns:
        members = members.filter(~pl.col("member_status").is_in(GONE).fill_null(False))
    return members


def _members_where(condition: pl.Expr, field_name: str) -> Source:
    def source(inputs: CardInputs, year: int) -> pl.DataFrame:
        return (
            _present_members(inputs)
            .filter(condition.fill_null(False))
            .select(
                "household_id",
                pl.col("id_number").alias("person_id_number"),
                pl.col("name").alias("member_name"),
                pl.lit(None, dtype=pl.Float64).alias("amount"),
                pl.lit(_registry_field(field_name)).alias("source"),
            )
        )

    return source


def _households_where(field_name: str) -> Source:
    def source(inputs: CardInputs, year: int) -> pl.DataFrame:
        return inputs.households.filter(pl.col(field_name).fill_null(False)).select(
            "household_id",
            pl.lit(None, dtype=pl.String).alias("person_id_number"),
            pl.lit("").alias("member_name"),
            pl.lit(None, dtype=pl.Float64).alias("amount"),
            pl.lit(_registry_field(field_name)).alias("source"),
        )

    return source


# ---- sources: the department feeds ----------------------------------------------------


def _feed(inputs: CardInputs, name: str, needed: tuple[str, ...]) -> pl.DataFrame | None:
    frame = inputs.records.get(name)
    if frame is None or not frame.height or any(column not in frame.columns for column in needed):
        return None
    return frame


def _feed_rows(rows: pl.DataFrame, amount: pl.Expr, household: bool = False) -> pl.DataFrame:
    return rows.select(
        "household_id",
        (pl.lit(None, dtype=pl.String) if household else pl.col("person_id_number")).alias(
            "person_id_number"
        ),
        (pl.lit("") if household else pl.col("name")).alias("member_name"),
        amount.cast(pl.Float64).alias("amount"),
        "source",
    )


def _date(column: str) -> pl.Expr:
    """A date column whether the reader kept dates or (the web's JSON) ISO text."""
    return pl.col(column).cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _months_in_year(year: int) -> pl.Expr:
    """The months of `year` between start_date and end_date (open ends: the whole year)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = pl.max_horizontal(_date("start_date").fill_null(first), pl.lit(first))
    end = pl.min_horizontal(_date("end_date").fill_null(last), pl.lit(last))
    months = (end.dt.month().cast(pl.Int32) - start.dt.month().cast(pl.Int32) + 1).clip(0, 12)
    return pl.when(start <= end).then(months).otherwise(0)


def _assistance(kind: str) -> Source:
    def source(inputs: CardInputs, year: int) -> pl.DataFrame:
        rows = _feed(
            inputs, "social_assistance", ("assistance_type", "start_date", "end_date", "monthly_amount")
        )
        if rows is None:
            return pl.DataFrame(schema=FOUND_SCHEMA)
        rows = rows.filter(pl.col("assistance_type") == kind).with_columns(
            _months_in_year(year).alias("_months")
        )
        rows = rows.filter(pl.col("_months") > 0)
        return _feed_rows(rows, pl.col("monthly_amount").cast(pl.Float64) * pl.col("_months"))

    return source


def _temporary_assistance(inputs: CardInputs, year: int) -> pl.DataFrame:
    rows = _feed(inputs, "social_assistance", ("assistance_type", "start_date", "monthly_amount"))
    if rows is None:
        return pl.DataFrame(schema=FOUND_SCHEMA)
    started = _date("start_date").dt.year()
    rows = rows.filter((pl.col("assistance_type") == "临时救助") & (started.is_null() | (started == year)))
    return _feed_rows(rows, pl.col("monthly_amount"))  # a one-off: the amount as written


def _claims(column: str) -> Source:
    def source(inputs: CardInputs, year: int) -> pl.DataFrame:
        rows = _feed(inputs, "medical_claims", ("settlement_date", column))
        if rows is None:
            return pl.DataFrame(schema=FOUND_SCHEMA)
        paid = pl.col(column).cast(pl.Float64)
        rows = rows.filter((_date("settlement_date").dt.year() == year) & (paid > 0))
        return _feed_rows(rows, paid)

    return source


def _resident_insurance(inputs: CardInputs, year: int) -> pl.DataFrame:
    rows = _feed(inputs, "medical_insurance", ("scheme", "insurance_year", "insurance_status"))
    if rows is None:
        return pl.DataFrame(schema=FOUND_SCHEMA)
    rows = rows.filter(
        (pl.col("scheme") == "城乡居民")
        & (pl.col("insurance_status") == "参保")
        & (pl.col("insurance_year").cast(pl.Int64, strict=False) == year)
    )
    return _feed_rows(rows, pl.lit(None))


def _where(feed: str, condition: pl.Expr, needed: tuple[str, ...], household: bool = False) -> Source:
    def source(inputs: CardInputs, year: int) -> pl.DataFrame:
        rows = _feed(inputs, feed, needed)
        if rows is None:
            return pl.DataFrame(schema=FOUND_SCHEMA)
        return _feed_rows(rows.filter(condition.fill_null(False)), pl.lit(None), household=household)

    return source


def _welfare_job_pay(inputs: CardInputs, year: int) -> pl.DataFrame:
    rows = _feed(inputs, "employment", ("employment_status", "monthly_income"))
    if rows is None:
        return pl.DataFrame(schema=FOUND_SCHEMA)
    rows = rows.filter(pl.col("employment_status") == "公益性岗位")
    # The feed has a monthly pay and no months: the card shows a year's pay at that rate.
    return _feed_rows(rows, pl.col("monthly_income").cast(pl.Float64) * 12)


def _yes(column: str) -> pl.Expr:
    """是/否 as the importer keeps it (a boolean) or as text."""
    return pl.col(column).cast(pl.String).is_in(["true", "是"])


SOURCES: dict[str, Source] = {
    # 国扶办系统: the registry's own fields.
    "member_dibao": _members_where(_yes("dibao"), "dibao"),
    "member_tekun": _members_where(_yes("tekun"), "tekun"),
    "member_family_doctor": _members_where(_yes("family_doctor"), "family_doctor"),
    "member_public_welfare_job": _members_where(pl.col("work_status") == "乡村公益性岗位", "work_status"),
    "member_resident_medical_insurance": _members_where(
        pl.col("medical_insured") == "城乡居民基本医疗保险", "medical_insured"
    ),
    "member_student": _members_where(pl.col("schooling").is_in(IN_SCHOOL), "schooling"),
    "member_pension_paid_for": _members_where(
        (pl.col("pension_insured") == "城乡居民基本养老保险")
        & (_yes("dibao") | _yes("tekun") | pl.col("disability_grade").is_in(SEVERE_DISABILITY)),
        "pension_insured",
    ),
    "household_renovated": _households_where("house_renovated"),
    "household_relocated": _households_where("relocated"),
    # Department feeds, linked to registry people by `fangfan link`.
    "social_assistance_dibao": _assistance("低保"),
    "social_assistance_tekun": _assistance("特困"),
    "social_assistance_temporary": _temporary_assistance,
    "medical_claims_aid": _claims("medical_aid"),
    "medical_claims_serious_illness": _claims("critical_illness_reimbursed"),
    "medical_insurance_resident": _resident_insurance,
    "school_roll_enrolled": _where(
        "school_roll", pl.col("enrolment_status").is_in(["在读", "送教上门"]), ("enrolment_status",)
    ),
    "housing_appraisal_renovated": _where(
        "housing_appraisal",
        pl.col("renovation_status").is_in(["已竣工", "改造中"]),
        ("renovation_status",),
        household=True,
    ),
    "disability_two_subsidies": _where("disability", _yes("two_subsidies"), ("two_subsidies",)),
    "employment_public_welfare_job": _welfare_job_pay,
}


def feed_source_text(feed: str, file: object, sheet: object, row: object) -> str:
    """Where a department row came from, as the card and pages say it."""
    table = TABLES[feed]
    place = str(file or "").rsplit("/", 1)[-1]
    sheet_text = f"「{sheet}」" if sheet else ""
    row_text = f"第{row}行" if row is not None else ""
    return f"{table.department}·{table.title}（{place}{sheet_text}{row_text}）"


def feed_source_expr(feed: str, file: str = "_file", sheet: str = "_sheet", row: str = "_row") -> pl.Expr:
    """`feed_source_text` for every row of a frame, vectorised."""
    table = TABLES[feed]
    place = pl.col(file).cast(pl.String).fill_null("").str.replace(r"^.*/", "")
    sheet_text = (
        pl.when(pl.col(sheet).cast(pl.String).fill_null("") != "")
        .then(pl.format("「{}」", pl.col(sheet).cast(pl.String)))
        .otherwise(pl.lit(""))
    )
    row_text = pl.when(pl.col(row).is_not_null()).then(pl.format("第{}行", pl.col(row))).otherwise(pl.lit(""))
    return pl.format(
        "{}·{}（{}{}{}）", pl.lit(table.department), pl.lit(table.title), place, sheet_text, row_text
    )


# The feeds a card reads (the others say nothing about policies received).
CARD_FEEDS = (
    "social_assistance",
    "medical_claims",
    "medical_insurance",
    "school_roll",
    "housing_appraisal",
    "disability",
    "employment",
)
