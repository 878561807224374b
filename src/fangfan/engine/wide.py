"""Wide tables: the named step between a snapshot and the rules.

`build_wide_tables(snapshot, policy)` returns two frames whose columns are
listed in `fangfan.engine.rules.columns`:

- `person_wide`: one row per member row of the registry, with the household's
  fields, the age at the snapshot's as-of date, and what each department feed
  says about the person (school roll, insurance roll for the newer income year,
  disability certificate, active social assistance, employment, civil
  registration, property counts).
- `household_wide`: one row per household, with income recomputed from its
  components for the newer income year (and the year before), member
  aggregates, claims self-pay, the employment feed's paid work annualised
  (`employment_annual_wage`), the village's water record, the housing appraisal
  and the worst disaster damage.

Person feeds join on a `person_key`. For now it is the normalised ID number
(`exact_person_key`); a linkage step can pass its own `person_key` function that
maps feed rows to registry IDs found by fuzzy matching. Both sides of every person
join are brought to one canonical 18-digit form (`canonical_id`): an old 15-digit ID
is widened (`idnumber.to_18`), so a feed may write a person's ID in either form, and
an 18-digit ID whose check character fails is keyed on its 17 digits with the right
check character, so a mistyped check character still finds its person (the importer
still reports it). A feed missing from the snapshot gives null columns, so rules
that need it find nothing; `absent_feeds` names them for the run summary. A member
whose own registry ID fails validation and to whom no row of a feed was joined gets
无法比对 (text) or null, never 无记录 or false: the row may be there under the right
number, so no "absent from the roll" rule fires (docs/indicators.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from fangfan.engine.idnumber import CHECK_CHARACTERS, WEIGHTS
from fangfan.engine.people import able_to_work
from fangfan.engine.policy import Policy
from fangfan.engine.rules.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from fangfan.engine.schema import DEPARTMENT_FEEDS, TABLES
from fangfan.engine.snapshot import Snapshot

PersonKey = Callable[[str, pl.LazyFrame], pl.LazyFrame]
DAMAGE_RANK = {"无": 0, "一般损坏": 1, "严重损坏": 2, "倒塌": 3}
NO_ROW = "无记录"
NOT_COMPARABLE = "无法比对"  # the member's own ID is damaged and no department row was linked
ID_PROBLEM_TEXT = {
    "ID_PRECISION_LOST": "证件号码被Excel存成数字，后几位已丢失",
    "ID_CHECK_DIGIT": "证件号码校验位错误",
    "ID_FORMAT": "证件号码位数或字符不对",
    "ID_BIRTH_DATE": "证件号码中的出生日期不存在",
    "SEX_MISMATCH": "登记的性别与证件号码不一致",
    "BIRTH_DATE_MISMATCH": "登记的出生日期与证件号码不一致",
}
PAID_WORK = ("就业", "公益性岗位")  # employment feed statuses that earn a wage


@dataclass(frozen=True)
class WideTables:
    person_wide: pl.DataFrame
    household_wide: pl.DataFrame
    income_year: int
    absent_feeds: tuple[str, ...]

    def as_dict(self) -> dict[str, pl.DataFrame]:
        return {"person_wide": self.person_wide, "household_wide": self.household_wide}


def exact_person_key(feed: str, frame: pl.LazyFrame) -> pl.LazyFrame:
    """The join key of a person feed: its normalised ID number, as imported."""
    column = "head_id_number" if "head_id_number" in frame.collect_schema() else "id_number"
    return frame.with_columns(pl.col(column).alias("person_key"))


def canonical_id(column: pl.Expr, suspect: pl.Expr | None = None) -> pl.Expr:
    """The 18-digit form a person is joined on (see the module docstring).

    A valid 18-digit ID is itself; 15 digits become `to_18`; 17 digits and a wrong
    check character get the right one. Anything else (lost digits, letters) stays as it
    is. With `suspect`, only those rows are recomputed (the rest are taken as valid).
    """
    text = column.cast(pl.String)
    candidate = text if suspect is None else pl.when(suspect).then(text)
    body = (
        pl.when(candidate.str.contains(r"^[0-9]{15}$"))
        .then(candidate.str.slice(0, 6) + pl.lit("19") + candidate.str.slice(6))
        .when(candidate.str.contains(r"^[0-9]{17}[0-9X]$"))
        .then(candidate.str.slice(0, 17))
    )
    digits = [body.str.slice(i, 1).cast(pl.Int32) * weight for i, weight in enumerate(WEIGHTS)]
    check = (pl.sum_horizontal(digits) % 11).replace_strict(
        list(range(11)), list(CHECK_CHARACTERS), return_dtype=pl.String
    )
    return pl.coalesce(body + check, text)


def _canonical_key(frame: pl.LazyFrame, column: str, key: str, valid: str | None = None) -> pl.LazyFrame:
    """`frame` with `key` = canonical_id(column), recomputed only where it can differ:
    IDs not 18 characters long, and rows whose `valid` flag is false.

    The suspects are a few hundred rows among millions, so only they are worked out and
    put back in place: evaluating `canonical_id` under a `when` over the whole column cost
    seconds per feed at city scale even where it changed nothing, and joining the fixes
    back onto the whole feed by ID most of a second.
    """
    suspect = pl.col(column).str.len_chars() != 18
    if valid is not None and valid in frame.collect_schema():
        suspect = suspect | ~pl.col(valid).fill_null(True)
    text = pl.col(column).cast(pl.String)
    return frame.with_columns(
        pl.map_batches(
            [text, suspect.fill_null(False)], _fix_suspects, return_dtype=pl.String, is_elementwise=True
        ).alias(key)
    )


def _fix_suspects(columns: Sequence[pl.Series]) -> pl.Series:
    ids, suspect = columns
    where = suspect.arg_true()
    if where.is_empty():
        return ids
    fixed = pl.select(canonical_id(pl.lit(ids.gather(where)))).to_series()
    return ids.scatter(where, fixed)


def newer_income_year(snapshot: Snapshot) -> int:
    """The newer of the two completed income years before the as-of date's year."""
    return snapshot.as_of.year - 1


@dataclass(frozen=True)
class _Context:
    snapshot: Snapshot
    policy: Policy
    as_of: dt.date
    income_year: int
    person_key: PersonKey

    def feed(self, name: str) -> pl.LazyFrame | None:
        if not self.snapshot.has(name):
            return None
        frame = _with_schema_fields(self.snapshot.scan(name), name)
        if name in ("water_supply",):
            return frame
        keyed = self.person_key(name, frame)
        schema = keyed.collect_schema()
        column = "head_id_number" if "head_id_number" in schema else "id_number"
        # Rows to recompute: the feed ID failed validation, or the linker put another ID in
        # `person_key` (a registry ID with a wrong check character must meet the registry
        # side's corrected form; recomputing a sound one changes nothing but a short form).
        valid = pl.col(f"{column}_valid").fill_null(True) if f"{column}_valid" in schema else pl.lit(True)
        as_written = valid & pl.col("person_key").eq_missing(pl.col(column))
        keyed = keyed.with_columns(as_written.alias("_key_as_written"))
        return _canonical_key(keyed, "person_key", "person_key", "_key_as_written").drop("_key_as_written")


def build_wide_tables(
    snapshot: Snapshot, policy: Policy, *, person_key: PersonKey = exact_person_key
) -> WideTables:
    """Build `person_wide` and `household_wide` from `snapshot` (see module docstring)."""
    context = _Context(snapshot, policy, snapshot.as_of, newer_income_year(snapshot), person_key)
    households = _households(context)
    members = _members(context)
    person = _person_wide(context, households, members)
    household = _household_wide(context, households, members)
    # The in-memory engine runs the person table's chain of left joins in a third less
    # time than the streaming default (4.9 s against 8.1 s for the city's 2.4M people).
    # The columns are chosen inside the plan, so no join carries a column no rule reads.
    person_frame, household_frame = pl.collect_all(
        [person.select(list(PERSON_COLUMNS)), household.select(list(HOUSEHOLD_COLUMNS))], engine="in-memory"
    )
    absent = tuple(t.name for t in DEPARTMENT_FEEDS if not snapshot.has(t.name))
    return WideTables(
        person_wide=person_frame,
        household_wide=household_frame,
        income_year=context.income_year,
        absent_feeds=absent,
    )


# --- registry tables -------------------------------------------------------------


def _with_schema_fields(frame: pl.LazyFrame, table: str) -> pl.LazyFrame:
    """Add schema fields missing from the file as nulls, and booleans as 是/否 text."""
    schema = frame.collect_schema()
    missing = [pl.lit(None, dtype=pl.String).alias(f) for f in TABLES[table].field_names if f not in schema]
    yes_no = [
        pl.when(pl.col(name)).then(pl.lit("是")).when(~pl.col(name)).then(pl.lit("否")).alias(name)
        for name, dtype in schema.items()
        if dtype == pl.Boolean and not name.endswith("_valid")
    ]
    return frame.with_columns(*missing, *yes_no)


def _measures_text(schema: pl.Schema) -> pl.Expr:
    if isinstance(schema.get("measures"), pl.List):
        return pl.col("measures").list.join("；")
    return pl.col("measures").cast(pl.String)


def _households(context: _Context) -> pl.LazyFrame:
    frame = _with_schema_fields(context.snapshot.scan("households"), "households")
    measures = _measures_text(frame.collect_schema()).alias("measures")
    return frame.with_columns(
        measures,
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.lit(context.income_year, dtype=pl.Int32).alias("income_year"),
    ).with_columns(pl.col("measures").fill_null("").str.contains("兜底保障").alias("has_safety_net_measure"))


def _age(birth: pl.Expr, as_of: dt.date) -> pl.Expr:
    later_in_year = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) > (
        as_of.month * 100 + as_of.day
    )
    return (pl.lit(as_of.year) - birth.dt.year().cast(pl.Int32) - later_in_year.cast(pl.Int32)).cast(pl.Int32)


def _members(context: _Context) -> pl.LazyFrame:
    frame = _with_schema_fields(context.snapshot.scan("members"), "members")
    schema = frame.collect_schema()
    if "id_number_valid" not in schema:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Boolean).alias("id_number_valid"))
    if "_flags" not in schema:
        frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("_flags"))
    birth = pl.col("birth_date").cast(pl.Date)
    frame = frame.with_columns(
        birth.alias("birth_date"),
        _age(birth, context.as_of).alias("age"),
        _id_problem().alias("id_problem"),
        (~pl.col("id_number_valid").fill_null(True)).alias("_id_damaged"),
    )
    return _canonical_key(frame, "id_number", "_person_key", "id_number_valid")


def _id_problem() -> pl.Expr:
    """What the importer found wrong with a member's ID, in Chinese (null when nothing).

    Kept from the import flags so that the problem becomes a finding of the household
    (IDN-004), fixed and closed like any other, not only a line in the import report.
    """
    parts = [
        pl.when(pl.col("_flags").list.contains(code)).then(pl.lit(text))
        for code, text in ID_PROBLEM_TEXT.items()
    ]
    joined = pl.concat_str(parts, separator="；", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


# --- person wide -----------------------------------------------------------------


def _person_wide(context: _Context, households: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    """Members with the household's fields and each feed's columns, one row per member row.

    Every join is made on the members' keys alone, in their order, and only the columns
    it adds are put beside the members (`_beside`): a left join of the whole frame copied
    every column it already had, once per feed (at city scale a gigabyte and a second or
    more each).
    """
    household_part = households.select(
        "household_id",
        "village_code",
        "county_code",
        "township_code",
        "village_name",
        "household_type",
        "head_name",
        "measures",
        "has_safety_net_measure",
        "income_year",
    )
    keys = members.select("household_id", "id_number", "_person_key", "_id_damaged")
    parts = [
        _aligned(keys, household_part, "household_id"),
        _aligned(keys, _head_birth_dates(households, members), "household_id"),
        _aligned(keys, _household_counts(members), "id_number"),
        *(_person_feed(context, keys, feed, build, defaults) for feed, build, defaults in _PERSON_FEEDS),
    ]
    return _beside(members, parts)


def _aligned(keys: pl.LazyFrame, right: pl.LazyFrame, on: str) -> pl.LazyFrame:
    """The columns of `right` (unique on `on`) for each row of `keys`, in its order and
    null where none; only `right`'s own columns."""
    added = [name for name in right.collect_schema().names() if name != on]
    return keys.join(right, on=on, how="left", maintain_order="left", validate="m:1").select(added)


def _beside(frame: pl.LazyFrame, parts: Sequence[pl.LazyFrame]) -> pl.LazyFrame:
    """`frame` with the columns of `parts`, each as tall as it and in its row order."""
    return pl.concat([frame, *parts], how="horizontal")  # heights must be equal


def _head_birth_dates(households: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    # The head is the member whose ID is the household's head ID; failing that, a 户主.
    by_id = households.select("household_id", pl.col("head_id_number").alias("id_number")).join(
        members.select("household_id", "id_number", "birth_date"), on=["household_id", "id_number"]
    )
    by_id = by_id.group_by("household_id").agg(pl.col("birth_date").min().alias("by_id"))
    by_relation = (
        members.filter(pl.col("relation") == "户主")
        .group_by("household_id")
        .agg(pl.col("birth_date").min().alias("by_relation"))
    )
    return by_relation.join(by_id, on="household_id", how="full", coalesce=True).select(
        "household_id", pl.coalesce("by_id", "by_relation").alias("head_birth_date")
    )


def _household_counts(members: pl.LazyFrame) -> pl.LazyFrame:
    return members.group_by("id_number").agg(
        pl.col("household_id").n_unique().cast(pl.Int32).alias("household_count")
    )


FeedBuilder = Callable[[_Context, pl.LazyFrame], pl.LazyFrame]


def _person_feed(
    context: _Context,
    keys: pl.LazyFrame,
    feed: str,
    build: FeedBuilder,
    defaults: dict[str, object],
) -> pl.LazyFrame:
    """The columns `feed` gives each member row of `keys` (`_person_key`, `_id_damaged`)."""
    source = context.feed(feed)
    columns = {name: PERSON_COLUMNS[name] for name in defaults}
    if source is None:
        nulls = [pl.lit(None, dtype=_dtype(c.dtype)).alias(n) for n, c in columns.items()]
        return keys.with_columns(nulls).select(list(columns))
    per_person = build(context, source).rename({"person_key": "_person_key"})
    joined = keys.join(
        per_person.with_columns(pl.lit(True).alias("_found")),
        on="_person_key",
        how="left",
        maintain_order="left",
        validate="m:1",
    )
    # No department row for a person whose own registry ID is damaged proves nothing: the
    # row may be there under the right number. Such a person gets 无法比对, not 无记录.
    unknown = pl.col("_id_damaged") & pl.col("_found").is_null()
    return joined.select(
        pl.when(unknown)
        .then(pl.lit(NOT_COMPARABLE if value == NO_ROW else None, dtype=_dtype(columns[name].dtype)))
        .otherwise(pl.col(name).fill_null(pl.lit(value, dtype=_dtype(columns[name].dtype))))
        .alias(name)
        if value is not None
        else pl.col(name)
        for name, value in defaults.items()
    )


def _dtype(kind: str) -> pl.DataType:
    types: dict[str, pl.DataType] = {
        "text": pl.String(),
        "integer": pl.Int32(),
        "number": pl.Float64(),
        "date": pl.Date(),
        "boolean": pl.Boolean(),
    }
    return types[kind]


def _school_roll(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    return feed.group_by("person_key").agg(pl.col("school_stage").first(), pl.col("enrolment_status").first())


def _insurance(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    this_year = feed.filter(pl.col("insurance_year").cast(pl.Int32) == context.income_year)
    status = pl.when((pl.col("insurance_status") == "参保").any()).then(pl.lit("参保"))
    return this_year.group_by("person_key").agg(
        status.otherwise(pl.col("insurance_status").first()).alias("insurance_status")
    )


def _disability(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    return feed.group_by("person_key").agg(pl.col("disability_grade").first().alias("certificate_grade"))


def _assistance(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    as_of = pl.lit(context.as_of)
    active = (pl.col("start_date").is_null() | (pl.col("start_date").cast(pl.Date) <= as_of)) & (
        pl.col("end_date").is_null() | (pl.col("end_date").cast(pl.Date) >= as_of)
    )
    return feed.group_by("person_key").agg(
        (active & (pl.col("assistance_type") == "低保")).any().alias("active_dibao"),
        (active & (pl.col("assistance_type") == "特困")).any().alias("active_tekun"),
    )


def _employment(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    paid = pl.col("employment_status").is_in(PAID_WORK) & (pl.col("monthly_income") > 0)
    return feed.group_by("person_key").agg(
        pl.col("employment_status").sort_by(pl.col("monthly_income").fill_null(0), descending=True).first(),
        pl.col("monthly_income").max().cast(pl.Float64).alias("employment_monthly_income"),
        paid.any().alias("employment_paid"),
        (pl.col("employment_status") == "失业").any().alias("employment_unemployed"),
    )


def _civil_registration(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
    ordered = feed.sort("change_date", nulls_last=False)
    return ordered.group_by("person_key").agg(
        pl.col("registration_status").last(),
        pl.col("change_date").last().cast(pl.Date).alias("registration_change_date"),
    )


def _counter(name: str, keep: pl.Expr) -> FeedBuilder:
    def build(context: _Context, feed: pl.LazyFrame) -> pl.LazyFrame:
        return feed.filter(keep).group_by("person_key").agg(pl.len().cast(pl.Int32).alias(name))

    return build


_PERSON_FEEDS: tuple[tuple[str, FeedBuilder, dict[str, object]], ...] = (
    ("school_roll", _school_roll, {"school_stage": None, "enrolment_status": NO_ROW}),
    ("medical_insurance", _insurance, {"insurance_status": NO_ROW}),
    ("disability", _disability, {"certificate_grade": None}),
    ("social_assistance", _assistance, {"active_dibao": False, "active_tekun": False}),
    (
        "employment",
        _employment,
        {
            "employment_status": None,
            "employment_monthly_income": None,
            "employment_paid": False,
            "employment_unemployed": False,
        },
    ),
    (
        "civil_registration",
        _civil_registration,
        {"registration_status": None, "registration_change_date": None},
    ),
    (
        "vehicles",
        _counter(
            "vehicle_count",
            pl.col("vehicle_type").is_in(["小型轿车", "小型普通客车", "货车"]) & (pl.col("status") == "正常"),
        ),
        {"vehicle_count": 0},
    ),
    (
        "business_registry",
        _counter("business_count", pl.col("registration_status") == "存续"),
        {"business_count": 0},
    ),
    (
        "real_estate",
        _counter("real_estate_count", pl.col("usage").is_in(["住宅", "商业"])),
        {"real_estate_count": 0},
    ),
)


# --- household wide --------------------------------------------------------------


def _household_wide(context: _Context, households: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    """Households with their members' aggregates, income and each feed's columns; as in
    `_person_wide`, each part is joined on the households' keys alone and put beside them."""
    frame = _canonical_key(households, "head_id_number", "_head_key", "head_id_number_valid")
    keys = frame.select("household_id", "village_code", "_head_key")
    counts = ("members_total", "members_normal", "head_count", "labour_capable_count", "working_count")
    parts = [
        _aligned(keys, _member_aggregates(context, members), "household_id").with_columns(
            pl.col(c).fill_null(0) for c in counts
        ),
        _aligned(keys, _income(context, context.income_year, ""), "household_id"),
        _aligned(keys, _income(context, context.income_year - 1, "previous_"), "household_id"),
        _claims(context, keys, members),
        _employment_wages(context, keys, members),
        _water(context, keys),
        _appraisal(context, keys),
        _disasters(context, keys),
    ]
    return _per_capita(_beside(frame, parts))


def _member_aggregates(context: _Context, members: pl.LazyFrame) -> pl.LazyFrame:
    capable = able_to_work(context.policy)
    working = pl.col("work_status").is_not_null() & (pl.col("work_status") != "未务工")
    return members.group_by("household_id").agg(
        pl.len().cast(pl.Int32).alias("members_total"),
        (pl.col("member_status") == "正常").sum().cast(pl.Int32).alias("members_normal"),
        (pl.col("relation") == "户主").sum().cast(pl.Int32).alias("head_count"),
        capable.sum().cast(pl.Int32).alias("labour_capable_count"),
        working.sum().cast(pl.Int32).alias("working_count"),
    )


_COMPONENTS = ("wage_income", "business_income", "property_income", "transfer_income")


def _income(context: _Context, year: int, prefix: str) -> pl.LazyFrame:
    frame = _with_schema_fields(context.snapshot.scan("income"), "income")
    frame = frame.filter(pl.col("year").cast(pl.Int32) == year).unique("household_id", keep="first")
    money = [pl.col(c).cast(pl.Float64) for c in (*_COMPONENTS, "business_cost")]
    net = (pl.sum_horizontal(money[:4]) - money[4].fill_null(0)).alias(f"{prefix}net_income")
    if prefix:
        return frame.select("household_id", net)
    return frame.select(
        "household_id",
        *money,
        net,
        pl.col("net_income").cast(pl.Float64).alias("declared_net_income"),
        pl.col("net_income_per_capita").cast(pl.Float64).alias("declared_net_income_per_capita"),
    )


def _per_capita(frame: pl.LazyFrame) -> pl.LazyFrame:
    people = pl.when(pl.col("members_normal") > 0).then(pl.col("members_normal").cast(pl.Float64))
    return frame.with_columns(
        (pl.col("net_income") / people).alias("net_income_per_capita"),
        (pl.col("declared_net_income") / people).alias("declared_per_capita_expected"),
        (pl.col("previous_net_income") / people).alias("previous_net_income_per_capita"),
    )


def _nulls(keys: pl.LazyFrame, columns: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Null columns as tall as `keys`: what an absent feed gives."""
    return keys.with_columns(pl.lit(None, dtype=dtype).alias(name) for name, dtype in columns.items()).select(
        list(columns)
    )


def _claims(context: _Context, keys: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    claims = context.feed("medical_claims")
    if claims is None:
        return _nulls(keys, {"claims_selfpay": pl.Float64()})
    this_year = claims.filter(pl.col("settlement_date").cast(pl.Date).dt.year() == context.income_year)
    # Sums of yuan rounded to the fen: a float sum's last digit depends on the order the
    # threads add in (30531.3 or 30531.300000000003), and evidence must not change run to run.
    per_person = this_year.group_by("person_key").agg(
        pl.col("compliant_selfpay").cast(pl.Float64).sum().round(2)
    )
    per_household = (
        members.select("household_id", pl.col("_person_key").alias("person_key"))
        .join(per_person, on="person_key")
        .group_by("household_id")
        .agg(pl.col("compliant_selfpay").sum().round(2).alias("claims_selfpay"))
    )
    return _aligned(keys, per_household, "household_id").with_columns(pl.col("claims_selfpay").fill_null(0.0))


def _employment_wages(context: _Context, keys: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    """`employment_annual_wage`: monthly income × 12 summed over the household's members with
    人员状态 正常 whom the employment feed lists as 就业 or 公益性岗位 with an income. A person
    with several such rows counts once, at the highest monthly income (one job at a time).
    The feed says nothing of months worked, so this annualised figure is an upper bound
    (EMP-003 allows a margin). 0 when no member is listed; null when the feed is absent."""
    employment = context.feed("employment")
    if employment is None:
        return _nulls(keys, {"employment_annual_wage": pl.Float64()})
    monthly = pl.col("monthly_income").cast(pl.Float64)
    paid = employment.filter(pl.col("employment_status").is_in(PAID_WORK) & (monthly > 0))
    per_person = paid.group_by("person_key").agg(monthly.max().alias("_monthly"))
    per_household = (
        members.filter(pl.col("member_status") == "正常")
        .select("household_id", pl.col("_person_key").alias("person_key"))
        .unique()
        .join(per_person, on="person_key")
        .group_by("household_id")
        .agg((pl.col("_monthly") * 12).sum().alias("employment_annual_wage"))
    )
    return _aligned(keys, per_household, "household_id").with_columns(
        pl.col("employment_annual_wage").fill_null(0.0)
    )


def _water(context: _Context, keys: pl.LazyFrame) -> pl.LazyFrame:
    water = context.feed("water_supply")
    if water is None:
        return _nulls(keys, {"village_short_days": pl.Int32(), "village_quality_result": pl.String()})
    per_village = water.group_by("village_code").agg(
        pl.col("short_days").cast(pl.Int32).max().alias("village_short_days"),
        pl.col("quality_result").sort().last().alias("village_quality_result"),  # 不合格 sorts after 合格
    )
    return _aligned(keys, per_village, "village_code")


def _appraisal(context: _Context, keys: pl.LazyFrame) -> pl.LazyFrame:
    appraisal = context.feed("housing_appraisal")
    if appraisal is None:
        return _nulls(keys, {"appraisal_grade": pl.String(), "renovation_status": pl.String()})
    latest = (
        appraisal.sort("appraisal_date", nulls_last=False)
        .group_by(pl.col("person_key").alias("_head_key"))
        .agg(pl.col("appraisal_grade").last(), pl.col("renovation_status").last())
    )
    return _aligned(keys, latest, "_head_key")


def _disasters(context: _Context, keys: pl.LazyFrame) -> pl.LazyFrame:
    disasters = context.feed("disasters")
    if disasters is None:
        return _nulls(keys, {"disaster_damage": pl.String(), "disaster_date": pl.Date()})
    rank = pl.col("house_damage").replace_strict(DAMAGE_RANK, default=0, return_dtype=pl.Int8)
    recent = disasters.filter(pl.col("occurred_on").cast(pl.Date).dt.year() >= context.income_year)
    worst = (
        recent.sort(rank, pl.col("occurred_on"))
        .group_by(pl.col("person_key").alias("_head_key"))
        .agg(
            pl.col("house_damage").last().alias("disaster_damage"),
            pl.col("occurred_on").last().cast(pl.Date).alias("disaster_date"),
        )
    )
    return _aligned(keys, worst, "_head_key")
