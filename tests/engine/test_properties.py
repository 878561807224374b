"""Properties of what the importer reads, tried on many made-up values (Hypothesis; issue 20).

- ID numbers (`idnumber`): a made number is valid; one changed character or two swapped
  neighbours never pass; a 15-digit number goes to 18 digits and back; the scalar and the
  Polars checks agree on any text.
- Header recognition (`headers`): a table's headers with spaces, full-width letters and
  other brackets are still that table's, each field in its column.
- Dates and money (`values`, `validate`): every written form of a date reads back as
  that date; 1,234.50 / ¥300 / 300元 read back as the number; arbitrary text in a date or
  money column is never an exception: the value is read, or the row gets its problem and
  a Chinese message.

Examples are derandomized (the same every run, in CI too) and kept moderate: the file
runs in seconds.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangfan.engine import idnumber
from fangfan.engine.ingest import validate, values
from fangfan.engine.ingest.headers import load_synonyms, recognise
from fangfan.engine.problems import Problem
from fangfan.engine.schema import ALL_TABLES, TABLES, Table

settings.register_profile(
    "fangfan",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("fangfan")

areas = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    return idnumber.make(draw(areas), draw(births), draw(sequences))


def _check_all(numbers: list[str]) -> list[str]:
    frame = pl.DataFrame({"id": numbers}, schema={"id": pl.String})
    return frame.select(idnumber.validate_expr(idnumber.normalise_expr(pl.col("id")))).to_series().to_list()


@given(valid_ids())
def test_any_seventeen_digits_with_their_check_character_are_a_valid_id(number: str) -> None:
    assert idnumber.validate(number) == idnumber.IdProblem.OK
    assert _check_all([number]) == ["ok"]


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_one_changed_character_is_always_caught(number: str, position: int, character: str) -> None:
    changed = number[:position] + character + number[position + 1 :]
    if changed == number:
        return
    assert idnumber.validate(changed) != idnumber.IdProblem.OK, (number, changed)
    assert _check_all([changed]) != ["ok"]


@given(valid_ids(), st.integers(min_value=0, max_value=16))
def test_two_swapped_neighbours_are_always_caught(number: str, position: int) -> None:
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped == number:
        return
    assert idnumber.validate(swapped) != idnumber.IdProblem.OK, (number, swapped)
    assert _check_all([swapped]) != ["ok"]


@given(areas, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_an_old_fifteen_digit_id_goes_to_eighteen_digits_and_back(
    area: str, born: dt.date, sequence: int
) -> None:
    old = f"{area}{born:%y%m%d}{sequence:03d}"
    assert idnumber.validate(old) == idnumber.IdProblem.OK
    new = idnumber.to_18(old)
    assert idnumber.validate(new) == idnumber.IdProblem.OK
    assert idnumber.birth_date(new) == idnumber.birth_date(old) == born
    assert idnumber.sex(new) == idnumber.sex(old)
    assert new[:6] + new[8:17] == old  # and back: drop the century and the check character
    assert idnumber.to_18(new) == new


FULL_WIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)} | {"X": "ｘ"})


@given(valid_ids(), st.sampled_from(["", " ", "\u3000", "\t"]), st.booleans(), st.booleans())
def test_an_id_typed_in_full_width_with_spaces_or_a_small_x_is_the_same_id(
    number: str, space: str, full_width: bool, lower: bool
) -> None:
    typed = number.translate(FULL_WIDTH) if full_width else number
    typed = typed.lower() if lower else typed
    typed = space + typed[:6] + space + typed[6:14] + space + typed[14:] + space
    assert idnumber.normalise(typed) == number
    assert _check_all([typed]) == ["ok"]


ID_CHARACTERS = st.text(alphabet="0123456789Xx０１２３４５６７８９ｘ .eE+-\u3000一", max_size=22)


@given(st.lists(ID_CHARACTERS | st.text(max_size=20), min_size=1, max_size=20))
def test_the_scalar_and_the_polars_id_checks_agree_on_any_text(texts: list[str]) -> None:
    scalar = [idnumber.validate(idnumber.normalise(text)).value for text in texts]
    assert _check_all(texts) == scalar, texts


# ---- header recognition -----------------------------------------------------------

_FULL_WIDTH_ASCII = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_BRACKETS = [("(", ")"), ("（", "）"), ("【", "】"), ("[", "]"), ("〔", "〕")]


@st.composite
def written(draw: st.DrawFn, header: str) -> str:
    """`header` as an export might write it: spaces anywhere, full-width letters, other brackets."""
    opening, closing = draw(st.sampled_from(_BRACKETS))
    text = header.replace("(", opening).replace(")", closing).replace("（", opening).replace("）", closing)
    if draw(st.booleans()):
        text = "".join(_FULL_WIDTH_ASCII.get(c, c) for c in text)
    spaced = []
    for character in text:
        spaced.append(character)
        if draw(st.integers(0, 4)) == 0:
            spaced.append(draw(st.sampled_from([" ", "\u3000", "\t"])))
    return draw(st.sampled_from(["", " ", "\u3000"])) + "".join(spaced) + draw(st.sampled_from(["", " "]))


SYNONYMS = load_synonyms()


@st.composite
def header_rows(draw: st.DrawFn) -> tuple[Table, list[str], list[str]]:
    """A table, its fields in some order, and the header row as written (a synonym or the standard)."""
    table = draw(st.sampled_from(ALL_TABLES))
    names = draw(st.permutations([field.name for field in table.fields]))
    row = []
    for name in names:
        known = sorted(key for key, field in SYNONYMS[table.name].items() if field == name)
        standard = table.field(name).header
        row.append(draw(written(draw(st.sampled_from([standard, *known])))))
    return table, list(names), row


@given(header_rows(), st.integers(min_value=0, max_value=3))
def test_a_header_with_spaces_full_width_letters_or_other_brackets_maps_to_the_same_fields(
    drawn: tuple[Table, list[str], list[str]], title_rows: int
) -> None:
    table, names, row = drawn
    rows = [["名单（截至2026年10月31日）"]] * title_rows + [row]
    recognition = recognise(rows, SYNONYMS)
    assert recognition is not None, row
    assert recognition.table.name == table.name, row
    assert recognition.header_index == title_rows
    assert recognition.columns == {name: index for index, name in enumerate(names)}, row


# ---- dates and money ----------------------------------------------------------------

dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2080, 12, 31))
DATE_FORMS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d:%Y%m%d}",
    lambda d: f"{d.isoformat()} 00:00:00",
    lambda d: str((d - dt.date(1899, 12, 30)).days),  # an Excel date number
    lambda d: f"{d.year}－{d.month:02d}－{d.day:02d}".translate(FULL_WIDTH),  # full-width digits
]


def _parse(kind: str, texts: list[str]) -> list[object]:
    parse = values.parse_date if kind == "date" else values.parse_decimal
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    return frame.select(parse(values.clean(pl.col("text")))).to_series().to_list()


@given(dates, st.sampled_from(range(len(DATE_FORMS))))
def test_every_written_form_of_a_date_reads_back_as_that_date(day: dt.date, form: int) -> None:
    assert _parse("date", [DATE_FORMS[form](day)]) == [day]


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
MONEY_FORMS = [
    lambda m: f"{m}",
    lambda m: f"{m:,}",
    lambda m: f"¥{m:,}",
    lambda m: f"￥{m}",
    lambda m: f"{m}元",
    lambda m: f" {m:,} 元 ",
    lambda m: f"{m:,}".replace(",", "，"),
    lambda m: f"{m}".translate(FULL_WIDTH),
]


@given(money, st.sampled_from(range(len(MONEY_FORMS))))
def test_every_written_form_of_an_amount_reads_back_as_that_amount(amount: object, form: int) -> None:
    (parsed,) = _parse("money", [MONEY_FORMS[form](amount)])
    assert parsed is not None and abs(parsed - float(str(amount))) < 0.005


def _disaster_rows(dates_written: list[str], losses: list[str]) -> pl.DataFrame:
    """Rows of the disaster feed, valid but for the date and the loss as written."""
    count = len(dates_written)
    good = {
        "village_code": "621226100201",
        "head_id_number": "621226201001010019",
        "head_name": "王小明",
        "disaster_type": "洪涝",
        "house_damage": "一般损坏",
    }
    columns = {name: [value] * count for name, value in good.items()}
    columns |= {"occurred_on": dates_written, "direct_loss": losses}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns})
    return frame.with_columns(
        pl.lit(0, dtype=pl.Int64).alias("_src"),
        pl.lit("灾情信息.csv").alias("_file"),
        pl.lit("").alias("_sheet"),
        pl.int_range(2, count + 2, dtype=pl.Int64).alias("_row"),
    )


HEADERS = pl.DataFrame(
    {
        "_src": [0] * len(TABLES["disasters"].fields),
        "field": [field.name for field in TABLES["disasters"].fields],
        "column": [field.header for field in TABLES["disasters"].fields],
    },
    schema={"_src": pl.Int64, "field": pl.String, "column": pl.String},
)


@given(st.lists(st.tuples(st.text(max_size=16), st.text(max_size=16)), min_size=1, max_size=12))
def test_any_text_in_a_date_or_money_column_is_read_or_reported_never_an_exception(
    cells: list[tuple[str, str]],
) -> None:
    written_dates, written_losses = [list(column) for column in zip(*cells, strict=True)]
    outcome = validate.validate_table(
        TABLES["disasters"], _disaster_rows(written_dates, written_losses), HEADERS
    )
    read_dates, read_losses = _parse("date", written_dates), _parse("money", written_losses)
    blank_dates, blank_losses = _blank(written_dates), _blank(written_losses)
    problems = outcome.problems
    for index, (date_text, loss_text) in enumerate(cells):
        row = problems.filter(pl.col("row") == index + 2)
        codes = set(zip(row["field"].to_list(), row["code"].to_list(), strict=True))
        if blank_dates[index]:
            assert ("occurred_on", Problem.REQUIRED_MISSING.value) in codes
        elif read_dates[index] is None:
            assert ("occurred_on", Problem.DATE_INVALID.value) in codes, (date_text, codes)
        if read_losses[index] is None and not blank_losses[index]:
            assert ("direct_loss", Problem.NUMBER_INVALID.value) in codes, (loss_text, codes)
        for message in row["message"].to_list():
            assert message and any("\u4e00" <= character <= "\u9fff" for character in message), message
    # Every row is imported or left out with its reason: none is lost without a word.
    excluded = problems.filter(pl.col("action") == "excluded")["row"].n_unique()
    assert outcome.data.height + excluded == len(cells)


def _blank(texts: list[str]) -> list[bool]:
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    return frame.select(values.clean(pl.col("text")).is_null()).to_series().to_list()
