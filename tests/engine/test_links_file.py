"""links.parquet written in parts by a thread of its own (`link.run._LinksFile`)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.link.exact import LINK_COLUMNS
from fangfan.engine.link.regions import OUTSIDE_NOTE
from fangfan.engine.link.run import ROW_GROUP, _LinksFile


def _links(rows: int, first: int, file: str = "a.csv") -> pl.DataFrame:
    """`rows` exact links (LINK_COLUMNS) numbered from `first`, from `file`."""
    given = {
        "record_id": pl.int_range(first, first + rows, eager=True),
        "feed": pl.Series(["school_roll"] * rows),
        "_file": pl.Series([file] * rows),
        "linked_village_code": pl.Series(["621226001001"] * rows),
        "method": pl.Series(["exact"] * rows),
        "status": pl.Series(["linked"] * rows),
    }
    return pl.DataFrame({name: given.get(name, pl.Series([None] * rows)) for name in LINK_COLUMNS}).cast(
        LINK_COLUMNS
    )  # type: ignore[arg-type]


def test_the_parts_are_read_back_whole_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "derived" / "links.parquet"
    parts = [_links(ROW_GROUP + 7, 0), _links(0, 0), _links(3, ROW_GROUP + 7)]
    with _LinksFile(path, None) as written:
        kept = [written.add(part) for part in parts]
    expected = pl.concat(parts, how="vertical_relaxed").cast(LINK_COLUMNS)  # type: ignore[arg-type]
    assert pl.read_parquet(path).equals(expected)
    assert pl.concat(kept).equals(expected)
    assert [p.name for p in path.parent.iterdir()] == ["links.parquet"]


def test_each_part_keeps_inside_its_senders_region(tmp_path: Path) -> None:
    path = tmp_path / "links.parquet"
    with _LinksFile(path, {"upload-1/": "621202"}) as written:
        written.add(_links(2, 0, file="upload-1/学籍.csv"))
        written.add(_links(2, 2, file="upload-2/学籍.csv"))
    links = pl.read_parquet(path)
    assert links["status"].to_list() == ["unlinked", "unlinked", "linked", "linked"]
    assert links["note"].to_list()[:2] == [OUTSIDE_NOTE, OUTSIDE_NOTE]


def test_a_failed_step_leaves_the_links_as_they_were_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "links.parquet"
    _links(2, 0).write_parquet(path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), _LinksFile(path, None) as written:
        written.add(_links(5, 0))
        raise RuntimeError("the probabilistic step failed")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["links.parquet"]


def test_a_scanned_part_is_copied_in_row_groups_in_order_between_the_others(tmp_path: Path) -> None:
    # Spark's exact links arrive as files its executors wrote: copied, never read whole.
    files = [tmp_path / "part-0.parquet", tmp_path / "part-1.parquet"]
    scanned = [_links(ROW_GROUP + 3, 0, file="upload-1/医保.csv"), _links(4, ROW_GROUP + 3)]
    for frame, file in zip(scanned, files, strict=True):
        frame.write_parquet(file)
    after = _links(2, ROW_GROUP + 7)
    path = tmp_path / "links.parquet"
    with _LinksFile(path, {"upload-1/": "621202"}) as written:
        written.add_scan(pl.scan_parquet(files))
        written.add(after)
        written.wait()
    links = pl.read_parquet(path)
    assert links.height == ROW_GROUP + 9
    assert links["record_id"].to_list() == list(range(ROW_GROUP + 9))
    outside = links.filter(pl.col("_file").str.starts_with("upload-1/"))
    assert outside["status"].unique().to_list() == ["unlinked"]
    assert links.tail(6)["status"].to_list() == ["linked"] * 6
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.row_group(0).num_rows == ROW_GROUP
