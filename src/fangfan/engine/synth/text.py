"""CSV text of a sheet: optional title line, header, rows (dates ISO, money to 2 decimals)."""

from __future__ import annotations

from fangfan.engine.synth.writers import Sheet, visible


def csv_text(sheet: Sheet, standard_headers: list[str], *, header: bool = True) -> str:
    """The file's text; `header=False` gives the rows alone, to append to a file that has them."""
    frame = visible(sheet.frame)
    headers = sheet.headers or standard_headers
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    body = frame.write_csv(include_header=header, float_precision=2, date_format="%Y-%m-%d")
    title = f"{sheet.title}\n" if sheet.title else ""
    return title + body
