"""The synthetic data generator: determinism, valid IDs, every kind, clean definitions, messy layout."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine import idnumber
from fangfan.engine.idnumber import validate
from fangfan.engine.policy import load_policy
from fangfan.engine.schema import TABLES
from fangfan.engine.synth.people import exact_age

AS_OF = dt.date(2026, 10, 31)
KINDS_DOC = Path(__file__).parents[2] / "docs" / "ground_truth.md"


def _generate(out: Path, *extra: str, households: int = 3000, seed: int = 7) -> None:
    args = [
        "generate",
        "--households",
        str(households),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--as-of",
        "2026-10-31",
    ]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    _generate(out)
    return out


def _read(city: Path, table: str) -> pl.DataFrame:
    frame = pl.read_csv(city / f"{TABLES[table].title}.csv", infer_schema=False)
    return frame.rename({f.header: f.name for f in TABLES[table].fields})


def _truth(city: Path, kind: str) -> pl.DataFrame:
    return pl.read_csv(city / "ground_truth.csv", infer_schema=False).filter(pl.col("kind") == kind)


def _documented_kinds() -> set[str]:
    text = KINDS_DOC.read_text("utf-8")
    return {
        line.split("|")[1].strip()
        for line in text.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isupper() and "_" in line.split("|")[1]
    }


def _reference_age(born: dt.date, as_of: dt.date = AS_OF) -> int:
    return as_of.year - born.year - ((born.month, born.day) > (as_of.month, as_of.day))


def _python_age(born: pl.Expr) -> pl.Expr:
    """Whole years at AS_OF, computed per value in Python (independent of the generator)."""
    return born.map_elements(_reference_age, return_dtype=pl.Int64)


@pytest.mark.parametrize(
    ("born", "age"),
    [
        (dt.date(2010, 11, 6), 15),  # month 11 * 100 overflowed Int8: gave 16
        (dt.date(2010, 10, 31), 16),
        (dt.date(2010, 11, 1), 15),
        (dt.date(2012, 2, 29), 14),
        (dt.date(1950, 12, 31), 75),
        (dt.date(1964, 3, 15), 62),
    ],
)
def test_exact_age_of_known_birth_dates(born: dt.date, age: int) -> None:
    frame = pl.DataFrame({"born": [born]}).select(exact_age(pl.col("born"), AS_OF))
    assert frame.item() == age


def test_exact_age_matches_whole_years_for_every_day_of_two_years() -> None:
    days = [dt.date(2010, 1, 1) + dt.timedelta(days=i) for i in range(731)]
    for as_of in (AS_OF, dt.date(2026, 2, 28), dt.date(2026, 12, 31)):
        ages = pl.DataFrame({"born": days}).select(exact_age(pl.col("born"), as_of)).to_series()
        assert ages.to_list() == [_reference_age(d, as_of) for d in days]


def test_generated_members_ages_follow_their_birth_dates(city: Path) -> None:
    """Schooling is drawn by age: no clean child's grade contradicts its true age."""
    members = _read(city, "members").with_columns(age=_python_age(pl.col("birth_date").str.to_date()))
    implausible = members.filter(
        ((pl.col("schooling") == "小学") & pl.col("age").is_between(14, 15))
        | (pl.col("schooling").is_in(["七年级", "八年级", "九年级"]) & pl.col("age").is_between(6, 10))
        | (
            pl.col("schooling").is_in(["高中", "中职", "高职", "大专及以上"])
            & pl.col("age").is_between(6, 13)
        )
    )
    recorded = set(_truth(city, "SCHOOL_GRADE_AGE_MISMATCH")["id_number"])
    assert set(implausible["id_number"]) - recorded == set()
    out_of_school = members.filter(
        pl.col("age").is_between(6, 15)
        & (
            pl.col("schooling").is_in(["失学辍学", "非在校生"])
            | ((pl.col("schooling") == "学前教育") & (pl.col("age") >= 7))
        )
    )
    recorded = set(_truth(city, "CHILD_DROPPED_OUT_REGISTRY")["id_number"])
    assert set(out_of_school["id_number"]) - recorded == set()


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    def digest(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    _generate(tmp_path / "a", households=500)
    _generate(tmp_path / "b", households=500)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_generated_ids_all_pass_the_check_digit(city: Path) -> None:
    members = _read(city, "members")
    problems = [n for n in members["id_number"] if validate(n).value != "ok"]
    assert problems == []
    assert members["id_number"].str.len_chars().eq(15).sum() > 0 or members.height < 5000


def test_every_rule_and_link_kind_is_in_the_ground_truth(city: Path) -> None:
    truth = pl.read_csv(city / "ground_truth.csv", infer_schema=False)
    clean_kinds = {k for k in _documented_kinds() if not k.startswith("IMPORT_") and k != "ID_EXCEL_NUMBER"}
    assert clean_kinds - set(truth["kind"]) == set()


def test_household_size_equals_members_in_status_normal_except_recorded(city: Path) -> None:
    members = _read(city, "members").filter(pl.col("member_status") == "正常")
    counted = members.group_by("household_id").len()
    households = _read(city, "households").join(counted, on="household_id", how="left")
    wrong = set(households.filter(pl.col("household_size").cast(pl.Int64) != pl.col("len"))["household_id"])
    assert wrong == set(_truth(city, "HOUSEHOLD_SIZE_MISMATCH")["household_id"])


def test_no_unrecorded_household_has_income_below_the_threshold(city: Path) -> None:
    threshold = load_policy(AS_OF.year - 1).number("income.monitoring_threshold")
    members = _read(city, "members").filter(pl.col("member_status") == "正常").group_by("household_id").len()
    parts = ["wage_income", "business_income", "property_income", "transfer_income"]
    income = (
        _read(city, "income")
        .filter(pl.col("year") == str(AS_OF.year - 1))
        .with_columns([pl.col(c).cast(pl.Float64) for c in [*parts, "business_cost"]])
    )
    income = income.join(members, on="household_id").with_columns(
        per_capita=(pl.sum_horizontal(parts) - pl.col("business_cost")) / pl.col("len")
    )
    below = set(income.filter(pl.col("per_capita") < threshold)["household_id"])
    assert below == set(_truth(city, "INCOME_BELOW_THRESHOLD")["household_id"])


def test_no_unrecorded_child_is_out_of_school_or_missing_from_the_roll(city: Path) -> None:
    members = _read(city, "members").with_columns(born=pl.col("birth_date").str.to_date())
    children = members.filter(_python_age(pl.col("born")).is_between(6, 15))
    dropped = children.filter(pl.col("schooling") == "失学辍学")
    assert set(dropped["id_number"]) <= set(_truth(city, "CHILD_DROPPED_OUT_REGISTRY")["id_number"])
    roll = set(_with_person(city, "school_roll")["person"])
    in_school = children.filter(pl.col("schooling").is_in(["小学", "七年级", "八年级", "九年级"]))
    missing = set(in_school["id_number"]) - roll
    assert missing == set(_truth(city, "CHILD_MISSING_FROM_ROLL")["id_number"])


def test_one_head_per_household_except_recorded(city: Path) -> None:
    heads = _read(city, "members").filter(pl.col("relation") == "户主").group_by("household_id").len()
    wrong = set(heads.filter(pl.col("len") != 1)["household_id"])
    assert wrong == set(_truth(city, "HEAD_COUNT_WRONG")["household_id"])


def test_household_types_and_housing_follow_the_census_shares(city: Path) -> None:
    households = _read(city, "households")
    share = households["household_type"].value_counts(normalize=True)
    exited = share.filter(pl.col("household_type") == "脱贫户")["proportion"][0]
    assert 0.25 < exited < 0.35
    relocated = (households["relocated"] == "是").mean()
    assert 0.10 < float(relocated or 0) < 0.18
    size = households["household_size"].cast(pl.Int64).mean()
    assert 3.5 < float(size or 0) < 4.5


def test_messy_output_has_title_rows_sheets_and_import_rows(tmp_path: Path) -> None:
    _generate(tmp_path, "--messy", households=2000)
    workbook = next(tmp_path.glob("*建档立卡数据.xlsx"))
    sheet = pl.read_excel(workbook, sheet_name="Sheet1", has_header=False, infer_schema_length=0)
    assert "建档立卡" in str(sheet[0, 0])
    truth = pl.read_csv(tmp_path / "ground_truth.csv", infer_schema=False)
    imported = truth.filter(pl.col("import_code").fill_null("") != "")
    assert imported["row"].null_count() == 0
    assert {k for k in _documented_kinds() if k.startswith("IMPORT_")} <= set(truth["kind"])
    assert "ID_EXCEL_NUMBER" in set(truth["kind"])
    assert any(p.suffix == ".csv" for p in tmp_path.iterdir() if p.name != "ground_truth.csv")


# --- clean definitions: nobody meets a kind's definition without a ground-truth row ----


def _person(column: str = "id_number") -> pl.Expr:
    """An ID as the person it names: normalised and in its 18-digit form."""
    return pl.col(column).map_elements(
        lambda value: idnumber.to_18(idnumber.normalise(value)), return_dtype=pl.String
    )


def _with_person(city: Path, table: str, column: str = "id_number") -> pl.DataFrame:
    """A feed's rows with `person`: the person each row is linked to (18 digits).

    Definitions read the department row linked to the person (docs/ground_truth.md): an
    ID written with a link-level typo names the person its ground-truth row gives.
    """
    truth = pl.read_csv(city / "ground_truth.csv", infer_schema=False).filter(
        (pl.col("stage") == "link") & (pl.col("table") == table) & (pl.col("field") == column)
    )
    typos = {
        idnumber.normalise(value): idnumber.to_18(person)
        for value, person in truth.select("value", "id_number").iter_rows()
    }

    def person(value: str) -> str:
        written = idnumber.normalise(value)
        return typos.get(written) or idnumber.to_18(written)

    frame = _read(city, table)
    return frame.with_columns(person=pl.col(column).map_elements(person, return_dtype=pl.String))


def _households_meeting(city: Path, condition: pl.Expr) -> set[str]:
    return set(_read(city, "households").filter(condition)["household_id"])


def _recorded(city: Path, *kinds: str, column: str = "household_id") -> set[str]:
    truth = pl.read_csv(city / "ground_truth.csv", infer_schema=False)
    return set(truth.filter(pl.col("kind").is_in(kinds))[column])


def test_water_kinds_are_exactly_the_recorded_households(city: Path) -> None:
    policy = load_policy(AS_OF.year - 1)
    trip = pl.col("water_trip_minutes").cast(pl.Float64)
    short = pl.col("water_short_days").cast(pl.Float64)
    definitions = {
        "WATER_QUANTITY": pl.col("water_quantity_ok") == "否",
        "WATER_QUALITY": pl.col("water_quality_ok") == "否",
        "WATER_TRIP_TOO_LONG": (pl.col("water_supply").fill_null("") != "集中供水入户")
        & (trip > policy.number("water.max_trip_minutes")),
        "WATER_SHORT_DAYS": short > policy.number("water.max_short_days"),
    }
    for kind, condition in definitions.items():
        assert _households_meeting(city, condition) == _recorded(city, kind), kind
    water = (
        _read(city, "water_supply")
        .group_by("village_code")
        .agg(
            bad=(
                (pl.col("short_days").cast(pl.Float64) > policy.number("water.max_short_days"))
                | (pl.col("quality_result") == "不合格")
            ).any()
        )
    )
    bad_villages = water.filter("bad")["village_code"].to_list()
    conflict = (
        pl.col("village_code").is_in(bad_villages)
        & (pl.col("water_quantity_ok") == "是")
        & (pl.col("water_quality_ok") == "是")
    )
    assert _households_meeting(city, conflict) == _recorded(city, "WATER_VILLAGE_CONFLICT")


def test_housing_kinds_are_exactly_the_recorded_households(city: Path) -> None:
    moved_in = (pl.col("relocated") == "是") & (pl.col("relocated_moved_in") == "是")
    unsafe = pl.col("house_grade").is_in(["C", "D"]) & (pl.col("house_renovated") != "是") & ~moved_in
    assert _households_meeting(city, unsafe) == _recorded(city, "HOUSE_UNSAFE")
    not_moved = (pl.col("relocated") == "是") & (pl.col("relocated_moved_in") == "否")
    assert _households_meeting(city, not_moved) == _recorded(city, "RELOCATED_NOT_MOVED_IN")
    appraisal = (
        _with_person(city, "housing_appraisal", "head_id_number")
        .filter(pl.col("appraisal_grade").is_in(["C", "D"]) & (pl.col("renovation_status") != "已竣工"))
        .select(head="person")
    )
    households = _read(city, "households").with_columns(head=_person("head_id_number"))
    registry_safe = pl.col("house_grade").is_in(["A", "B"]) | (pl.col("house_renovated") == "是")
    conflict = set(households.join(appraisal, on="head").filter(registry_safe)["household_id"])
    assert conflict == _recorded(city, "HOUSE_APPRAISAL_CONFLICT")


def test_insurance_roll_gaps_are_exactly_the_recorded_people(city: Path) -> None:
    newer = str(AS_OF.year - 1)
    roll = (
        _with_person(city, "medical_insurance")
        .filter(
            pl.col("year" if "year" in TABLES["medical_insurance"].field_names else "insurance_year") == newer
        )
        .group_by("person")
        .agg(insured=(pl.col("insurance_status") == "参保").any())
    )
    members = _read(city, "members").with_columns(person=_person())
    registry_insured = pl.col("medical_insured").is_in(["城乡居民基本医疗保险", "职工基本医疗保险"])
    gaps = members.join(roll, on="person", how="left").filter(
        registry_insured & ~pl.col("insured").fill_null(False)
    )
    assert set(gaps["id_number"]) == _recorded(city, "INSURED_NOT_IN_ROLL", column="id_number")
    not_insured = members.join(roll, on="person", how="left").filter(pl.col("medical_insured") == "未参加")
    in_roll = not_insured.filter(pl.col("insured").fill_null(False))
    assert in_roll.height > 0
    assert set(in_roll["id_number"]) == _recorded(city, "REGISTRY_INSURANCE_OUTDATED", column="id_number")
    missing = not_insured.filter(~pl.col("insured").fill_null(False))
    assert set(missing["id_number"]) == _recorded(city, "MEMBER_NOT_INSURED", column="id_number")


def test_wage_income_conflicts_are_exactly_the_recorded_households(city: Path) -> None:
    """Paid work in the employment feed × 12 over the members 正常, against 工资性收入."""
    policy = load_policy(AS_OF.year - 1)
    gap = policy.number("employment.wage_gap_yuan")
    share = policy.number("employment.wage_gap_share")
    monthly = pl.col("monthly_income").cast(pl.Float64)
    paid = (
        _with_person(city, "employment")
        .filter(pl.col("employment_status").is_in(["就业", "公益性岗位"]) & (monthly > 0))
        .group_by("person")
        .agg(monthly=monthly.max())
    )
    members = _read(city, "members").filter(pl.col("member_status") == "正常").with_columns(person=_person())
    annual = (
        members.join(paid, on="person").group_by("household_id").agg(annual=(pl.col("monthly") * 12).sum())
    )
    wage = _read(city, "income").filter(pl.col("year") == str(AS_OF.year - 1))
    both = annual.join(
        wage.select("household_id", wage=pl.col("wage_income").cast(pl.Float64)), on="household_id"
    )
    over = both.filter(
        (pl.col("annual") > pl.col("wage") + gap) & (pl.col("annual") > pl.col("wage") * (1 + share))
    )
    assert set(over["household_id"]) == _recorded(city, "WAGE_INCOME_CONFLICT")
    truth = pl.read_csv(city / "ground_truth.csv", infer_schema=False).filter(
        pl.col("kind") == "WAGE_INCOME_CONFLICT"
    )
    assert truth.filter(pl.col("origin") == "injected").height > 0
    # natural ones arise only from a registry 未务工 member the feed lists as employed
    natural = set(truth.filter(pl.col("origin") == "natural")["household_id"])
    assert natural <= _recorded(city, "EMPLOYMENT_CONFLICT")
    # elsewhere the feed's paid work stays within 0.8 of the registry's wage income
    conflicts = _recorded(city, "WAGE_INCOME_CONFLICT", "EMPLOYMENT_CONFLICT")
    clean = both.filter(~pl.col("household_id").is_in(list(conflicts)))
    assert clean.height > 100
    assert clean.filter(pl.col("annual") > 0.8 * pl.col("wage") + 12).height == 0


def test_disaster_kinds_are_exactly_the_recorded_households(city: Path) -> None:
    newer = AS_OF.year - 1
    severe = (
        _with_person(city, "disasters", "head_id_number")
        .filter(
            pl.col("house_damage").is_in(["严重损坏", "倒塌"])
            & (pl.col("occurred_on").str.to_date().dt.year() >= newer)
        )
        .select(head="person")
        .unique()
    )
    households = _read(city, "households").with_columns(head=_person("head_id_number"))
    damaged = households.join(severe, on="head")
    assert set(damaged["household_id"]) == _recorded(city, "DISASTER_DAMAGE")
    safe_grades = load_policy(newer).value("housing.safe_grades")
    registered_safe = damaged.filter(
        pl.col("house_grade").is_in(list(safe_grades)) | (pl.col("house_renovated") == "是")
    )
    assert registered_safe.height > 0
    assert set(registered_safe["household_id"]) == _recorded(city, "DISASTER_HOUSE_REGISTERED_SAFE")


def test_social_assistance_conflicts_are_exactly_the_recorded_people(city: Path) -> None:
    as_of = pl.lit(AS_OF)
    start = pl.col("start_date").str.to_date(strict=False)
    end = pl.col("end_date").str.to_date(strict=False)
    active = (start.is_null() | (start <= as_of)) & (end.is_null() | (end >= as_of))
    rows = (
        _with_person(city, "social_assistance")
        .group_by("person")
        .agg(
            active_dibao=(active & (pl.col("assistance_type") == "低保")).any(),
            active_tekun=(active & (pl.col("assistance_type") == "特困")).any(),
        )
    )
    members = _read(city, "members").with_columns(person=_person())
    joined = members.join(rows, on="person", how="left").with_columns(
        pl.col("active_dibao", "active_tekun").fill_null(False)
    )
    conflict = joined.filter(
        ((pl.col("dibao") == "是") != pl.col("active_dibao"))
        | ((pl.col("tekun") == "是") != pl.col("active_tekun"))
    )
    assert set(conflict["id_number"]) == _recorded(city, "DIBAO_CONFLICT", column="id_number")


def test_property_kinds_are_exactly_the_recorded_people(city: Path) -> None:
    helped = _read(city, "households").filter(pl.col("household_type").is_in(["脱贫户", "监测户"]))
    people = (
        _read(city, "members")
        .join(helped.select("household_id"), on="household_id", how="semi")
        .with_columns(person=_person())
    )
    definitions = {
        "VEHICLE_OWNED": (
            "vehicles",
            pl.col("vehicle_type").is_in(["小型轿车", "小型普通客车", "货车"]) & (pl.col("status") == "正常"),
        ),
        "BUSINESS_OWNED": ("business_registry", pl.col("registration_status") == "存续"),
        "URBAN_HOME_OWNED": ("real_estate", pl.col("usage").is_in(["住宅", "商业"])),
    }
    for kind, (table, keep) in definitions.items():
        owners = _with_person(city, table).filter(keep).select("person").unique()
        found = people.join(owners, on="person", how="semi")
        pairs = set(found.select("household_id", "id_number").iter_rows())
        truth = pl.read_csv(city / "ground_truth.csv", infer_schema=False).filter(pl.col("kind") == kind)
        assert pairs == set(truth.select("household_id", "id_number").iter_rows()), kind


def test_sharp_income_drops_are_exactly_the_recorded_households(city: Path) -> None:
    share = load_policy(AS_OF.year - 1).number("income.sharp_drop_share")
    parts = ["wage_income", "business_income", "property_income", "transfer_income"]
    income = _read(city, "income").with_columns(
        [pl.col(c).cast(pl.Float64) for c in [*parts, "business_cost"]]
    )
    net = (pl.sum_horizontal(parts) - pl.col("business_cost")).alias("net")
    newer = income.filter(pl.col("year") == str(AS_OF.year - 1)).select("household_id", net)
    older = income.filter(pl.col("year") == str(AS_OF.year - 2)).select("household_id", older=net)
    normal = _read(city, "members").filter(pl.col("member_status") == "正常").group_by("household_id").len()
    both = newer.join(older, on="household_id").join(normal, on="household_id")
    dropped = both.filter((pl.col("older") > 0) & (pl.col("net") < pl.col("older") * (1 - share)))
    assert set(dropped["household_id"]) == _recorded(city, "INCOME_SHARP_DROP")
    injected = pl.read_csv(city / "ground_truth.csv", infer_schema=False).filter(
        (pl.col("kind") == "INCOME_SHARP_DROP") & (pl.col("origin") == "injected")
    )
    assert injected.height > 0
