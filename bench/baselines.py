"""Baselines measured in the same bench run: the plain cost of touching the same bytes.

`python -m bench.baselines read DIR` reads every export raw (CSV with Polars, no
type inference; Excel with fastexcel, every sheet) and does nothing else: the floor
under an import. `python -m bench.baselines rewrite DIR OUT` reads and writes the
same CSVs again: the floor under generation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fastexcel
import polars as pl


def read_all(folder: Path) -> int:
    rows = 0
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            frame = pl.read_csv(
                text.encode(), infer_schema=False, truncate_ragged_lines=True, has_header=False
            )
            rows += frame.height
        elif path.suffix.lower() in (".xlsx", ".xls"):
            reader = fastexcel.read_excel(str(path))
            for name in reader.sheet_names:
                rows += reader.load_sheet(name, header_row=None).to_polars().height
    return rows


def rewrite_all(folder: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=True)
        frame.write_csv(out / path.name)
        rows += frame.height
    return rows


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "read":
        print(read_all(Path(arguments[0])))
    elif command == "rewrite":
        print(rewrite_all(Path(arguments[0]), Path(arguments[1])))
    else:
        raise SystemExit(f"unknown command {command}")
