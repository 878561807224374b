"""Header rows: find them, map their cells to fields, and say which table a sheet is.

The standard header of every field is always known; `reference/header_synonyms.toml`
adds the names real exports use, and an office can add more in a TOML file of the
same shape (`--synonyms FILE` or FANGFAN_HEADER_SYNONYMS). Matching ignores spaces,
full-/half-width differences and the style of brackets.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fangfan.engine import config
from fangfan.engine.schema import ALL_TABLES, TABLES, Table

_BRACKETS = str.maketrans(
    {"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")"}
)
_SPACES = re.compile(r"\s+")
MIN_MATCHED_HEADERS = 2


class SynonymError(ValueError):
    """A synonym file that cannot be used (bad TOML, unknown table or field, a clash)."""


def header_key(text: str) -> str:
    """The form headers are compared in: NFKC, no spaces, one bracket style, lower case.

    >>> header_key(" 耕地面积（亩） ")
    '耕地面积(亩)'
    """
    normal = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return _SPACES.sub("", normal).lower()


Synonyms = dict[str, dict[str, str]]  # table -> header key -> field


def load_synonyms(extra: Path | None = None) -> Synonyms:
    """Standard headers, the shipped synonyms, then the office's file (if any), merged.

    `extra` defaults to FANGFAN_HEADER_SYNONYMS. A name that would belong to two
    fields of one table is refused with a SynonymError.
    """
    mapping: Synonyms = {table.name: {} for table in ALL_TABLES}
    for table in ALL_TABLES:
        for column in table.fields:
            _add(mapping, table.name, column.name, column.header, "标准表头")
    shipped = resources.files("fangfan.engine.reference").joinpath("header_synonyms.toml").read_text("utf-8")
    _merge(mapping, tomllib.loads(shipped), "header_synonyms.toml")
    office = extra or config.env_path("FANGFAN_HEADER_SYNONYMS", None)
    if office is not None:
        try:
            parsed = tomllib.loads(office.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise SynonymError(f"表头同义词文件 {office} 无法读取：{error}") from error
        _merge(mapping, parsed, str(office))
    return mapping


def _merge(mapping: Synonyms, parsed: dict[str, object], origin: str) -> None:
    for table_name, fields in parsed.items():
        if table_name not in TABLES or not isinstance(fields, dict):
            raise SynonymError(f"{origin}：未知的表 [{table_name}]")
        for field_name, names in fields.items():
            if field_name not in TABLES[table_name].field_names:
                raise SynonymError(f"{origin}：表 {table_name} 没有字段 {field_name}")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise SynonymError(f"{origin}：{table_name}.{field_name} 应为字符串列表")
            for name in names:
                _add(mapping, table_name, field_name, name, origin)


def _add(mapping: Synonyms, table: str, field_name: str, header: str, origin: str) -> None:
    key = header_key(header)
    known = mapping[table].get(key)
    if known is not None and known != field_name:
        raise SynonymError(f"{origin}：表头“{header}”在表 {table} 中同时对应 {known} 和 {field_name}")
    mapping[table][key] = field_name


@dataclass(frozen=True)
class Recognition:
    """What a sheet is: its table, the header row, and which column holds which field."""

    table: Table
    header_index: int  # 0-based position of the header row among the sheet's rows
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header as written

    @property
    def missing_required(self) -> list[str]:
        return [name for name in self.table.required_fields if name not in self.columns]


def match_row(
    cells: Sequence[str], table: Table, synonyms: Synonyms
) -> tuple[dict[str, int], dict[str, str]]:
    """Fields of `table` found among `cells` (first column wins when two match)."""
    return _match_keys(cells, _keys(cells), synonyms[table.name])


def _keys(cells: Sequence[str]) -> list[str | None]:
    """Each cell's `header_key` (None for an empty cell)."""
    return [header_key(cell) if cell else None for cell in cells]


def _match_keys(
    cells: Sequence[str], keys: Sequence[str | None], known: dict[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, key in enumerate(keys):
        name = known.get(key) if key is not None else None
        if name is not None and name not in columns:
            columns[name] = index
            headers[name] = cells[index].strip()
    return columns, headers


def recognise(rows: Iterable[Sequence[str]], synonyms: Synonyms) -> Recognition | None:
    """The best-scoring (table, header row) among the first rows of a sheet, or None.

    Score: the number of matched headers, then the share of the table's fields they
    cover (so a feed with 身份证号 and 姓名 does not pass for 成员信息), then the
    earlier row.
    """
    best: tuple[tuple[int, float, int], Recognition] | None = None
    for index, cells in enumerate(rows):
        keys = _keys(cells)  # once per row, not once per table (a city has dozens of sheets)
        for table in ALL_TABLES:
            columns, headers = _match_keys(cells, keys, synonyms[table.name])
            if len(columns) < MIN_MATCHED_HEADERS:
                continue
            score = (len(columns), len(columns) / len(table.fields), -index)
            if best is None or score > best[0]:
                best = (score, Recognition(table, index, columns, headers))
    if best is None:
        return None
    recognition = best[1]
    required = recognition.table.required_fields
    found_required = sum(1 for name in required if name in recognition.columns)
    if len(recognition.columns) < 3 and found_required < len(required):
        return None
    return recognition
