"""Sheets to tables: recognise each sheet, cut it below its header, drop layout rows.

The result is one frame per table with a String column per field (null where a
file lacks an optional column), concatenated over every sheet and file of that
table in source order, plus `_src`, `_file`, `_sheet` and `_row`.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine import idnumber
from fangfan.engine.ingest import read, validate
from fangfan.engine.ingest.guard import ReadLimits
from fangfan.engine.ingest.headers import Recognition, Synonyms, recognise
from fangfan.engine.problems import PROBLEM_TEXT, Problem
from fangfan.engine.progress import Progress
from fangfan.engine.schema import Kind

LEADING_CELLS = 3
READ_TASK = "读取文件"
READ_WORKERS = 2
# Workbooks above this much in all are read in worker processes. calamine parses with the GIL
# released, but on threads a city's xlsx import peaked at 4.6 GB against 3.3 GB in processes
# (2026-12-05: the memory calamine frees stays with the one process). Below it, starting the
# processes costs more than it saves.
PROCESS_READ_MIN_BYTES = 16 * 1024 * 1024


@dataclass
class Assembled:
    """Every table found, as text: in `frames`, or on disk in `spilled` when `assemble` was given a folder."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    spilled: dict[str, pl.LazyFrame] = field(default_factory=dict)
    headers: dict[str, pl.DataFrame] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    unrecognised: list[dict[str, Any]] = field(default_factory=list)
    layout_rows: list[dict[str, Any]] = field(default_factory=list)
    file_problems: pl.DataFrame = field(default_factory=validate.empty_problems)
    # One per imported sheet: file, sheet, table and the text above its header (for `asof`).
    titles: list[dict[str, Any]] = field(default_factory=list)

    def has(self, table: str) -> bool:
        return table in self.frames or table in self.spilled

    def take(self, table: str) -> pl.DataFrame:
        """The table's text, let go here: whoever takes it holds the only copy."""
        if table in self.frames:
            return self.frames.pop(table)
        return self.spilled.pop(table).collect()


@dataclass
class _Parts:
    frames: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    spilled: dict[str, list[pl.LazyFrame]] = field(default_factory=dict)
    # Arrow files a worker process wrote its frames to, instead of handing them back pickled.
    files: dict[str, list[Path]] = field(default_factory=dict)
    headers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    file_problems: list[dict[str, Any]] = field(default_factory=list)


def assemble(
    input_dir: Path,
    synonyms: Synonyms,
    progress: Progress,
    limits: ReadLimits | None = None,
    spill: Path | None = None,
) -> Assembled:
    """Read and recognise every file under `input_dir`; each file is checked against `limits` first.

    With `spill` (an empty folder the caller removes afterwards) and workbooks enough to read
    them in worker processes, each worker writes a workbook's rows there as Arrow files and
    the tables come back in `spilled`: a city's text is gigabytes, its importer needs one
    table of it at a time, and writing the files in the workers spares pickling the frames
    to the parent and writing them there.
    """
    result = Assembled()
    parts = _Parts()
    files, others = read.table_files(input_dir)
    for other in others:
        name = other.relative_to(input_dir).as_posix()
        result.unrecognised.append(
            {
                "file": name,
                "sheet": "",
                "code": "",
                "reason": "不是表格文件（只读取 .xlsx、.xls、.et、.csv），已跳过",
            }
        )
    progress.start(READ_TASK, total=len(files))
    # calamine holds the GIL while it parses, so a city's workbooks go to worker processes
    # (`_workbook_pool`); CSV files are read on a thread beside them. The largest files start
    # first, and results are merged in file order, so the outcome is the same.
    with ExitStack() as stack:
        # Two CSV files at a time: reading one at a time, the city's import took 8 s longer
        # (2026-12-05: 32.8 s against 24.4 s) for 0.5 GB less at its peak, and the run's peak
        # is the screening's (3.2 GB) either way.
        threads = stack.enter_context(ThreadPoolExecutor(max_workers=READ_WORKERS))
        processes = _workbook_pool(files, stack)
        # The text is spilled to disk only for a city's workbooks, whose reading is slow anyway
        # (and whose worker processes hand their frames over); CSV text stays in memory:
        # writing and reading it back cost the city's CSV import 8 s for 0.06 GB.
        spill = spill if processes else None
        reading: dict[Path, Future[tuple[Assembled, _Parts]]] = {}
        for path in sorted(files, key=lambda item: item.stat().st_size, reverse=True):
            if processes and path.suffix.lower() in read.WORKBOOK_SUFFIXES:
                to = spill / f"file{files.index(path)}" if spill else None
                reading[path] = processes.submit(_read_file, input_dir, path, synonyms, limits, to)
            else:
                reading[path] = threads.submit(_read_file, input_dir, path, synonyms, limits)
        for path in files:
            _merge(result, parts, *reading.pop(path).result(), spill=spill)
            progress.advance(READ_TASK)
    progress.finish(READ_TASK)
    for table_name, frames in parts.frames.items():
        result.frames[table_name] = pl.concat(frames, how="diagonal_relaxed")
    for table_name, lazy in parts.spilled.items():
        result.spilled[table_name] = pl.concat(lazy, how="diagonal_relaxed")
    for table_name in (*parts.frames, *parts.spilled):
        result.headers[table_name] = pl.DataFrame(
            parts.headers[table_name], schema={"_src": pl.Int64, "field": pl.String, "column": pl.String}
        )
    if parts.file_problems:
        result.file_problems = pl.DataFrame(parts.file_problems, schema=validate.PROBLEM_COLUMNS)
    return result


def _workbook_pool(files: list[Path], stack: ExitStack) -> Executor | None:
    """Worker processes for the workbooks, when there is enough to read to be worth them."""
    workbooks = [path for path in files if path.suffix.lower() in read.WORKBOOK_SUFFIXES]
    if len(workbooks) < 2 or sum(path.stat().st_size for path in workbooks) < PROCESS_READ_MIN_BYTES:
        return None
    # "spawn": a forked child would inherit Polars' thread pool in whatever state it was.
    context = multiprocessing.get_context("spawn")
    return stack.enter_context(ProcessPoolExecutor(max_workers=READ_WORKERS, mp_context=context))


def _read_file(
    input_dir: Path,
    path: Path,
    synonyms: Synonyms,
    limits: ReadLimits | None = None,
    spill_to: Path | None = None,
) -> tuple[Assembled, _Parts]:
    """Every sheet of one file, with source numbers counted from 0 within the file.

    With `spill_to`, the frames are written to Arrow files named after it and `files` names them.
    """
    result, parts = Assembled(), _Parts()
    name = path.relative_to(input_dir).as_posix()
    try:
        for sheet in read.read_sheets(
            path, name, limits, text_columns=lambda rows: _id_columns(rows, synonyms)
        ):
            _take_sheet(sheet, synonyms, result, parts)
    except read.UnreadableFile as error:
        _refuse(result, parts, name, "", Problem.FILE_UNREADABLE, str(error))
    if spill_to is not None:
        for table_name, frames in parts.frames.items():
            for index, frame in enumerate(frames):
                target = spill_to.with_name(f"{spill_to.name}-{table_name}-{index}.arrow")
                frame.write_ipc(target, compression="uncompressed")
                parts.files.setdefault(table_name, []).append(target)
        parts.frames = {}
    return result, parts


def _id_columns(rows: list[list[str]], synonyms: Synonyms) -> list[int]:
    """The ID-number columns of a sheet whose first rows are `rows` (`_mark_number_ids` asks about them)."""
    recognition = recognise(rows, synonyms)
    if recognition is None:
        return []
    return [
        recognition.columns[f.name]
        for f in recognition.table.fields
        if f.kind == Kind.ID_NUMBER and f.name in recognition.columns
    ]


def _merge(
    result: Assembled, parts: _Parts, one: Assembled, one_parts: _Parts, *, spill: Path | None = None
) -> None:
    offset = len(result.sources)
    result.sources.extend(one.sources)
    result.unrecognised.extend(one.unrecognised)
    result.layout_rows.extend(one.layout_rows)
    result.titles.extend(one.titles)
    parts.file_problems.extend(one_parts.file_problems)
    for table_name, frames in one_parts.frames.items():
        shifted = [f.with_columns(pl.col("_src") + offset) for f in frames]
        if spill is None:
            parts.frames.setdefault(table_name, []).extend(shifted)
        else:
            spilled = parts.spilled.setdefault(table_name, [])
            for frame in shifted:
                target = spill / f"{table_name}-{len(spilled)}.arrow"
                frame.write_ipc(target, compression="uncompressed")
                spilled.append(pl.scan_ipc(target))
    for table_name, paths in one_parts.files.items():
        parts.spilled.setdefault(table_name, []).extend(
            pl.scan_ipc(path).with_columns(pl.col("_src") + offset) for path in paths
        )
    for table_name in (*one_parts.frames, *one_parts.files):
        parts.headers.setdefault(table_name, []).extend(
            {**item, "_src": item["_src"] + offset} for item in one_parts.headers[table_name]
        )


def _refuse(result: Assembled, parts: _Parts, file: str, sheet: str, code: Problem, reason: str) -> None:
    result.unrecognised.append({"file": file, "sheet": sheet, "code": code.value, "reason": reason})
    parts.file_problems.append(
        {
            "file": file,
            "sheet": sheet,
            "row": None,
            "table": "",
            "column": "",
            "field": "",
            "value": "",
            "code": code.value,
            "message": reason,
            "action": "excluded",
        }
    )


def _take_sheet(sheet: read.Sheet, synonyms: Synonyms, result: Assembled, parts: _Parts) -> None:
    if sheet.cells.height == 0:
        result.unrecognised.append(
            {"file": sheet.file, "sheet": sheet.sheet, "code": "", "reason": "空工作表"}
        )
        return
    recognition = recognise(sheet.head_rows(), synonyms)
    if recognition is None:
        text = PROBLEM_TEXT[Problem.TABLE_UNRECOGNISED]
        _refuse(result, parts, sheet.file, sheet.sheet, Problem.TABLE_UNRECOGNISED, f"{text}，未导入")
        return
    table = recognition.table
    missing = recognition.missing_required
    if missing:
        names = "、".join(table.field(n).header for n in missing)
        reason = f"{PROBLEM_TEXT[Problem.COLUMN_MISSING]}：{names}（识别为{table.title}），该工作表未导入"
        _refuse(result, parts, sheet.file, sheet.sheet, Problem.COLUMN_MISSING, reason)
        return
    source = len(result.sources)
    frame, layout = _rows(sheet, recognition, source)
    if frame.height == 0:
        # A header over nothing is no table: taken as one, an empty school roll would make
        # every child a dropout. The table stays absent, and the office is told why.
        reason = f"只有表头，没有数据行（识别为{table.title}），该工作表未导入"
        result.unrecognised.append({"file": sheet.file, "sheet": sheet.sheet, "code": "", "reason": reason})
        return
    parts.frames.setdefault(table.name, []).append(frame)
    parts.headers.setdefault(table.name, []).extend(
        {"_src": source, "field": name, "column": header} for name, header in recognition.headers.items()
    )
    result.layout_rows.extend(layout)
    above = sheet.head_rows(recognition.header_index)
    result.titles.append(
        {
            "file": sheet.file,
            "sheet": sheet.sheet,
            "table": table.name,
            "title": " ".join(cell.strip() for row in above for cell in row if cell.strip()),
        }
    )
    result.sources.append(
        {
            "file": sheet.file,
            "sheet": sheet.sheet,
            "table": table.name,
            "title": table.title,
            "rows": frame.height,
            "header_row": int(sheet.cells["row"][recognition.header_index]),
        }
    )


def _rows(
    sheet: read.Sheet, recognition: Recognition, source: int
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Data rows below the header, one String column per field, layout rows removed."""
    table = recognition.table
    body = sheet.cells.slice(recognition.header_index + 1)
    cells = [c for c in body.columns if c != "row"]
    leading, others = cells[:LEADING_CELLS], cells[LEADING_CELLS:]
    frame = body.select(
        pl.col("row").alias("_row"),
        *[pl.col(f"c{index}").alias(name) for name, index in recognition.columns.items()],
        *[pl.col(c).alias(f"_lead{i}") for i, c in enumerate(leading)],
        *[pl.col(c).alias(f"_other{i}") for i, c in enumerate(others)],
    )
    frame = _mark_number_ids(sheet, recognition, frame)
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(f.name) for f in table.fields if f.name not in recognition.columns
    )
    lead_names = [f"_lead{i}" for i in range(len(leading))]
    other_names = [f"_other{i}" for i in range(len(others))]
    layout = validate.blank_or_totals(table, frame, lead_names, other_names)
    totals = frame.filter(layout & pl.any_horizontal(pl.col(f.name).is_not_null() for f in table.fields))
    layout_rows = [
        {"file": sheet.file, "sheet": sheet.sheet, "row": row, "kind": "合计行"}
        for row in totals["_row"].to_list()
    ]
    # Filtering copies every column; most sheets have no layout row to filter out.
    kept = (frame.filter(~layout) if layout.any() else frame).select(
        pl.lit(source, dtype=pl.Int64).alias("_src"),
        pl.lit(sheet.file).alias("_file"),
        pl.lit(sheet.sheet).alias("_sheet"),
        "_row",
        *[pl.col(f.name).cast(pl.String) for f in table.fields],
    )
    return kept, layout_rows


def _mark_number_ids(sheet: read.Sheet, recognition: Recognition, frame: pl.DataFrame) -> pl.DataFrame:
    """Rewrite ID cells that were long numbers as Excel shows them (6.21226199001011E+17).

    Excel keeps 15 significant digits, so such a cell has lost its last digits; the
    scientific form makes validation refuse it (ID_PRECISION_LOST) instead of
    guessing. A 15-digit number is exact and stays as digits.
    """
    id_fields = [
        f.name for f in recognition.table.fields if f.kind == Kind.ID_NUMBER and f.name in recognition.columns
    ]
    if not sheet.is_workbook or not id_fields:
        return frame
    if sheet.text_only.issuperset(recognition.columns[n] for n in id_fields):
        return frame  # the read found these columns text throughout: no cell was a number
    long_digits = pl.any_horizontal(
        pl.col(n).str.contains(r"^\s*\d{16,}\s*$").fill_null(False) for n in id_fields
    )
    if not frame.select(long_digits.any()).item():
        return frame
    numbers = sheet.number_cells([recognition.columns[n] for n in id_fields])
    numbers = numbers.slice(recognition.header_index + 1, frame.height)
    for name, index in zip(id_fields, (recognition.columns[n] for n in id_fields), strict=True):
        was_number = numbers.get_column(f"c{index}")
        text = frame.get_column(name)
        lost = was_number & text.str.contains(r"^\s*\d{16,}\s*$").fill_null(False)
        positions = lost.arg_true()
        if positions.len():
            shown = [idnumber.normalise(float(v)) for v in text.gather(positions).to_list()]
            frame = frame.with_columns(text.scatter(positions, shown).alias(name))
    return frame
