"""A copy of an uploaded file without the rows refused for lying outside the uploader's region.

The office's input set keeps this copy, so refused rows never reach an import or a run;
the original stays in storage as it arrived. Rows keep their numbers, so problems found
later still point at the rows the uploader sees:

- .xlsx: the refused <row> elements are cut out of the sheet's XML (every other byte of
  the workbook, number cells included, is kept);
- .csv: written again from the engine's own reading, refused records emptied.

An .xls (binary) cannot be edited this way: `without_rows` raises `CannotClean`.
Plain Python: no Django here.
"""

from __future__ import annotations

import csv
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree

from fangfan.engine.ingest.read import read_csv

ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)", re.DOTALL)
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class CannotClean(ValueError):
    """The file's format cannot be edited row by row (message in Chinese)."""


def without_rows(source: Path, rows: Iterable[tuple[str, int]], target: Path) -> Path:
    """Write `source` to `target` without the (sheet, row) pairs in `rows`; returns `target`."""
    by_sheet: dict[str, set[int]] = defaultdict(set)
    for sheet, row in rows:
        by_sheet[sheet].add(row)
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return _csv_without(source, by_sheet.get("", set()), target)
    if suffix in (".xlsx", ".xlsm"):
        return _workbook_without(source, by_sheet, target)
    raise CannotClean(
        "文件中有不属于您区划的行；.xls 格式无法逐行剔除，请删去这些行或另存为 .xlsx 后重新上传"
    )


def _csv_without(source: Path, rows: set[int], target: Path) -> Path:
    sheet = read_csv(source, source.name)
    columns = [name for name in sheet.cells.columns if name != "row"]
    with target.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        for values in sheet.cells.iter_rows(named=True):
            if values["row"] in rows:
                writer.writerow([""] * len(columns))
            else:
                writer.writerow(["" if values[name] is None else values[name] for name in columns])
    return target


def _workbook_without(source: Path, rows: dict[str, set[int]], target: Path) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        paths = _sheet_paths(old)
        edits = {paths[sheet]: numbers for sheet, numbers in rows.items() if sheet in paths}
        if len(edits) < len(rows):
            raise CannotClean("文件中有不属于您区划的行，但无法在工作簿中定位这些行，请删去这些行后重新上传")
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename in edits:
                data = _drop_rows(data, edits[item.filename])
            new.writestr(item, data)
    return target


def _drop_rows(xml: bytes, numbers: set[int]) -> bytes:
    return ROW.sub(lambda match: b"" if int(match.group(1)) in numbers else match.group(0), xml)


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML's path in the archive, from workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {item.get("Id"): item.get("Target", "") for item in relations}
    paths = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet") and sheet.get(RELATIONSHIPS) in targets:
            target = targets[sheet.get(RELATIONSHIPS)]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            paths[str(sheet.get("name"))] = path
    return paths
