"""Link-level problems: feed rows whose ID or name differs from the registry's.

The ID written is what a department typed; `id_number` in the ground truth stays the
person's true ID. An ID that fails validation gets its import code and its place.

Typos go on all 10 person feeds and on the two household feeds kept by head ID
(housing appraisal, disasters). About half of them sit on the very department row
that carries a rule-level conflict (`CONFLICT_ROWS`: the school-roll row saying 辍学,
the certificate, the disaster row, …), so that the conflict is found only when the
row is linked to its person; the other half on ordinary rows, where an unlinked row
would itself raise a false alarm (a child missing from the roll). Every typo is one
the linker can resolve to exactly one person: ID typos stay in the sequence and check
characters, never make another registry person's ID, and are not placed where
another registry person with the same address code and birth date lies within two
edits of what was written.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from fangfan.engine.idnumber import IdProblem, normalise, validate
from fangfan.engine.synth.names import homophone
from fangfan.engine.synth.truth import Truth

PERSON_FEEDS = (
    "school_roll",
    "medical_claims",
    "social_assistance",
    "disability",
    "employment",
    "civil_registration",
    "vehicles",
    "real_estate",
    "business_registry",
    "medical_insurance",
)
HOUSEHOLD_FEEDS = ("housing_appraisal", "disasters")  # kept by head ID and head name
FEEDS = PERSON_FEEDS + HOUSEHOLD_FEEDS
FULL_WIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})
SHARE = 0.002  # rows per kind, as a share of households
MINIMUM = 6
ON_CONFLICT_ROWS = 0.5  # share of each kind's rows put on a row that carries a conflict
MAX_ID_EDITS = 2  # as the linker's gate (link/decide.py)


def id_field(feed: str) -> str:
    return "head_id_number" if feed in HOUSEHOLD_FEEDS else "id_number"


def name_field(feed: str) -> str:
    return "head_name" if feed in HOUSEHOLD_FEEDS else "name"


def conflict_rows(newer_year: int) -> dict[str, tuple[str, str, pl.Expr]]:
    """kind → (feed, matched on `person` or `household`, which of its rows carry the conflict).

    The department rows a reconciliation rule reads for that kind; a typo there hides the
    conflict from a join on the ID as written.
    """
    newer = pl.col("settlement_date").dt.year() == newer_year
    return {
        "CHILD_DROPPED_OUT_SCHOOL_ROLL": ("school_roll", "person", pl.col("enrolment_status") == "辍学"),
        "INSURED_NOT_IN_ROLL": (
            "medical_insurance",
            "person",
            (pl.col("insurance_year") == newer_year) & (pl.col("insurance_status") != "参保"),
        ),
        # the household's largest self-pay row of the newer year (the injected one)
        "LARGE_MEDICAL_SELFPAY": (
            "medical_claims",
            "household",
            newer
            & (pl.col("compliant_selfpay") == pl.col("compliant_selfpay").filter(newer).max().over("_hh")),
        ),
        "HOUSE_APPRAISAL_CONFLICT": (
            "housing_appraisal",
            "household",
            pl.col("appraisal_grade").is_in(["C", "D"]) & (pl.col("renovation_status") != "已竣工"),
        ),
        "DISASTER_DAMAGE": ("disasters", "household", pl.col("house_damage").is_in(["严重损坏", "倒塌"])),
        "DISABILITY_CONFLICT": ("disability", "person", pl.lit(True)),
        "DIBAO_CONFLICT": (
            "social_assistance",
            "person",
            pl.col("assistance_type").is_in(["低保", "特困"]) & pl.col("end_date").is_null(),
        ),
        "EMPLOYMENT_CONFLICT": ("employment", "person", pl.lit(True)),
        "DEAD_PERSON_LISTED": (
            "civil_registration",
            "person",
            pl.col("registration_status").is_in(["死亡", "注销"]),
        ),
        "MOVED_OUT_PERSON_LISTED": ("civil_registration", "person", pl.col("registration_status") == "迁出"),
        "VEHICLE_OWNED": (
            "vehicles",
            "person",
            pl.col("vehicle_type").is_in(["小型轿车", "小型普通客车", "货车"]) & (pl.col("status") == "正常"),
        ),
        "BUSINESS_OWNED": ("business_registry", "person", pl.col("registration_status") == "存续"),
        "URBAN_HOME_OWNED": ("real_estate", "person", pl.col("usage").is_in(["住宅", "商业"])),
        "REGISTRY_INSURANCE_OUTDATED": (
            "medical_insurance",
            "person",
            (pl.col("insurance_year") == newer_year) & (pl.col("insurance_status") == "参保"),
        ),
        "WAGE_INCOME_CONFLICT": ("employment", "household", pl.col("monthly_income") > 0),
        "DISASTER_HOUSE_REGISTERED_SAFE": (
            "disasters",
            "household",
            pl.col("house_damage").is_in(["严重损坏", "倒塌"]),
        ),
    }


def wrong_check_digit(number: str, rng: np.random.Generator) -> str:
    choices = [c for c in "0123456789X" if c != number[17]]
    return number[:17] + choices[int(rng.integers(0, len(choices)))]


def transposed(number: str, rng: np.random.Generator) -> str | None:
    for _ in range(10):
        i = int(rng.integers(14, 16))  # sequence digits: the birth date stays a date
        if number[i] != number[i + 1]:
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return None


Pick = tuple[str, int, str, str, str, str, int]  # feed, row, ID, name, ID and name written, _hh
Written = tuple[str, str] | None  # (ID, name) as written, or None when the row cannot take the kind
Maker = Callable[[str, str], Written]


def _makers(rng: np.random.Generator) -> dict[str, Maker]:
    def id_typo(number: str) -> str | None:
        return transposed(number, rng) if rng.random() < 0.5 else wrong_check_digit(number, rng)

    def both(number: str, name: str) -> Written:
        written, sounded = id_typo(number), homophone(name)
        return (written, sounded) if written and sounded else None

    return {
        "ID_WRONG_CHECK_DIGIT": lambda n, name: (wrong_check_digit(n, rng), name),
        "ID_TRANSPOSED": lambda n, name: _with_name(transposed(n, rng), name),
        "ID_LOWERCASE_X": lambda n, name: (n[:17] + "x", name) if n.endswith("X") else None,
        "ID_FULL_WIDTH": lambda n, name: (n.translate(FULL_WIDTH), name),
        "NAME_HOMOPHONE": lambda n, name: _with_name(n, homophone(name)),
        "NAME_HOMOPHONE_ID_TYPO": both,
    }


def _with_name(number: str | None, name: str | None) -> Written:
    return (number, name) if number and name else None


ID_CHANGING = ("ID_WRONG_CHECK_DIGIT", "ID_TRANSPOSED", "NAME_HOMOPHONE_ID_TYPO")


def inject_links(rng: np.random.Generator, tables: dict[str, pl.DataFrame], truth: Truth) -> None:
    households = tables["households"].select("_hh", "household_id")
    count = max(MINIMUM, round(households.height * SHARE))
    newer_year = int(tables["income"]["year"].max())  # type: ignore[arg-type]
    registry = _Registry(tables["members"])
    pools = _pools(tables, truth, households, newer_year)
    used: set[tuple[str, int]] = set()
    for kind, maker in _makers(rng).items():
        on_conflict = round(count * ON_CONFLICT_ROWS)
        picked: list[Pick] = []
        for pool, wanted in ((pools[0], on_conflict), (pools[1], count - on_conflict)):
            picked += _pick(rng, registry, pool, kind, maker, wanted, used)
        _apply(tables, truth, households, kind, picked)
    for feed in FEEDS:  # messy.py keeps Excel's lost digits off these rows
        typo = pl.Series([index for feed_name, index in used if feed_name == feed], dtype=pl.UInt32)
        frame = tables[feed].with_row_index("_index")
        tables[feed] = frame.with_columns(_typo=pl.col("_index").is_in(typo.implode())).drop("_index")


class _Registry:
    """Registry IDs, to keep an ID typo from naming or crowding another person."""

    def __init__(self, members: pl.DataFrame) -> None:
        ids = members.filter(pl.col("id_number").str.len_chars() == 18)["id_number"].unique()
        self.ids = set(ids.to_list())
        self.by_prefix: dict[str, list[str]] = {}
        for number in ids.to_list():
            self.by_prefix.setdefault(number[:14], []).append(number)

    def unique_match(self, true_id: str, written: str) -> bool:
        """`written` (normalised) can only mean `true_id`: no other person has it or lies close."""
        if written != true_id and written in self.ids:
            return False
        others = (n for n in self.by_prefix.get(true_id[:14], []) if n != true_id)
        return all(_edits(written[14:], other[14:]) > MAX_ID_EDITS for other in others)


def _edits(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance of two short strings."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _pools(
    tables: dict[str, pl.DataFrame], truth: Truth, households: pl.DataFrame, newer_year: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows carrying a rule-level conflict, grouped by kind; every other row, grouped by feed).

    Columns: feed, _index, group, id, name, _hh. Only rows of registry people with an
    18-digit ID and no import-level mark.
    """
    recorded = truth.table().filter(pl.col("stage") == "rule").select("kind", "household_id", "id_number")
    registry_ids = tables["members"].select("id_number").unique()
    rows = []
    for feed in FEEDS:
        frame = (
            tables[feed]
            .with_row_index("_index")
            .filter(
                (pl.col("_hh") >= 0)
                & pl.col("_mark").is_null()
                & (pl.col(id_field(feed)).str.len_chars() == 18)
                & pl.col(name_field(feed)).is_not_null()
            )
        )
        frame = frame.join(registry_ids, left_on=id_field(feed), right_on="id_number", how="semi")
        rows.append(
            frame.select(
                pl.lit(feed).alias("feed"), "_index", "_hh", id=id_field(feed), name=name_field(feed)
            )
        )
    everything = pl.concat(rows)
    conflicts = []
    for kind, (feed, level, keep) in conflict_rows(newer_year).items():
        truth_rows = recorded.filter(pl.col("kind") == kind)
        frame = tables[feed].with_row_index("_index").filter(keep)
        if level == "person":
            frame = frame.join(truth_rows, left_on=id_field(feed), right_on="id_number", how="semi")
        else:
            keys = truth_rows.join(households, on="household_id").select("_hh")
            frame = frame.join(keys, on="_hh", how="semi")
        conflicts.append(frame.select(pl.lit(feed).alias("feed"), "_index", group=pl.lit(kind)))
    conflict = pl.concat(conflicts).unique(["feed", "_index"], keep="first", maintain_order=True)
    on_conflict = everything.join(conflict, on=["feed", "_index"])
    others = everything.join(conflict, on=["feed", "_index"], how="anti").with_columns(group=pl.col("feed"))
    return on_conflict, others


def _pick(
    rng: np.random.Generator,
    registry: _Registry,
    pool: pl.DataFrame,
    kind: str,
    maker: Maker,
    wanted: int,
    used: set[tuple[str, int]],
) -> list[Pick]:
    """Up to `wanted` rows of `pool`, taken in turn from each group, that can take `kind`."""
    if kind == "ID_LOWERCASE_X":
        pool = pool.filter(pl.col("id").str.ends_with("X"))
    seed = int(rng.integers(0, 2**31))
    ordered = (
        pool.with_columns(_draw=pl.int_range(pl.len()).shuffle(seed=seed))
        .with_columns(_turn=pl.col("_draw").rank("ordinal").over("group"))
        .sort("_turn", "_draw")
    )
    picked: list[Pick] = []
    for feed, index, number, name, hh in ordered.select("feed", "_index", "id", "name", "_hh").iter_rows():
        if len(picked) == wanted:
            break
        if (feed, index) in used:
            continue
        written = maker(number, name)
        if written is None or written == (number, name):
            continue
        if kind in ID_CHANGING and not registry.unique_match(number, normalise(written[0])):
            continue
        picked.append((feed, index, number, name, written[0], written[1], hh))
        used.add((feed, index))
    return picked


def _apply(
    tables: dict[str, pl.DataFrame],
    truth: Truth,
    households: pl.DataFrame,
    kind: str,
    picked: list[Pick],
) -> None:
    for feed in FEEDS:
        mine = [p for p in picked if p[0] == feed]
        if not mine:
            continue
        rows = pl.DataFrame(
            [(index, number, new_id, new_name, hh) for _, index, number, _, new_id, new_name, hh in mine],
            schema={
                "_index": pl.UInt32,
                "id_number": pl.String,
                "_new_id": pl.String,
                "_new_name": pl.String,
                "_hh": pl.Int64,
            },
            orient="row",
        )
        names_only = kind == "NAME_HOMOPHONE"
        rows = rows.with_columns(value=pl.col("_new_name") if names_only else pl.col("_new_id"))
        codes = [validate(normalise(v)).value for v in rows["_new_id"]]
        rows = rows.with_columns(import_code=pl.Series([c if c != IdProblem.OK.value else "" for c in codes]))
        rows = rows.join(households, on="_hh", how="left", maintain_order="left")
        field = name_field(feed) if names_only else id_field(feed)
        ids = truth.add(kind, rows, table=feed, field_name=field, detail=_DETAIL[kind], wrong_source=feed)
        rows = rows.with_columns(_mark_new=pl.when(pl.col("import_code") != "").then(ids))
        frame = (
            tables[feed]
            .with_row_index("_index")
            .join(
                rows.select("_index", "_new_id", "_new_name", "_mark_new"),
                on="_index",
                how="left",
                maintain_order="left",
            )
        )
        tables[feed] = frame.with_columns(
            pl.coalesce("_new_id", id_field(feed)).alias(id_field(feed)),
            pl.coalesce("_new_name", name_field(feed)).alias(name_field(feed)),
            _mark=pl.coalesce("_mark_new", "_mark"),
        ).drop("_index", "_new_id", "_new_name", "_mark_new")


_DETAIL = {
    "ID_WRONG_CHECK_DIGIT": "部门数据身份证号校验位错误",
    "ID_TRANSPOSED": "部门数据身份证号相邻两位颠倒",
    "ID_LOWERCASE_X": "部门数据身份证号末位写成小写x",
    "ID_FULL_WIDTH": "部门数据身份证号为全角数字",
    "NAME_HOMOPHONE": "部门数据姓名用了同音字",
    "NAME_HOMOPHONE_ID_TYPO": "部门数据姓名用了同音字，身份证号也有错",
}
