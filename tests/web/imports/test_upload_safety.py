"""Uploads that must not wreck the office's data (issue 11, part 2).

The office's set is the generated city (`baseline`), published once per test. Each story:
- 杨礼县学籍, 礼县's school-roll officer, sends the whole city's school roll: 礼县's pupils go
  in, every other county's are refused row by row, listed, and never reach a run;
- 陈市办 sends 户信息 with one household placed outside 陇南市: that row is refused;
- 刘学籍 sends a school roll of junk IDs under the right headers, and one of a single pupil:
  both wait for the city office (待市级确认) with the comparison shown, nothing is published;
  陈市办 confirms the first (it is published) and rejects the second (it is discarded);
- 刘学籍 sends a zip-bomb workbook, and one declaring a million rows over three: refused at
  once, in Chinese, without a library's English or a server path.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client

from fangfan.engine.idnumber import normalise_expr
from fangfan.engine.regions import counties
from fangfan.engine.snapshot import SnapshotStore
from fangfan.web.accounts.models import User
from fangfan.web.imports.inputs import InputSet
from fangfan.web.imports.models import Upload
from fangfan.web.imports.processing import process_upload
from fangfan.web.registry.models import Run

from .conftest import AS_OF

SCHOOL_ROLL = "学籍信息.csv"
LIXIAN = "621226"


def _send(client: Client, user: User, path: Path, feed: str = "school_roll") -> Upload:
    client.force_login(user)
    with path.open("rb") as stream:
        response = client.post("/imports/new/", {"feed": feed, "file": stream, "as_of": AS_OF.isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    upload = Upload.objects.latest("pk")
    try:
        process_upload(upload.pk)
    finally:
        upload.refresh_from_db()
    return upload


def _roll(exports: Path) -> pl.DataFrame:
    return pl.read_csv(exports / SCHOOL_ROLL, infer_schema=False)


def _village_of_people(snapshot_id: str) -> pl.DataFrame:
    snapshot = SnapshotStore().get(snapshot_id)
    return (
        snapshot.read("members")
        .select("household_id", "id_number")
        .join(snapshot.read("households").select("household_id", "village_code"), on="household_id")
        .select("id_number", "village_code")
    )


def assert_plain_chinese(text: str, *names: str) -> None:
    """No server path, no library's English: only file names may carry Latin letters."""
    for name in names:
        text = text.replace(name, "")
    assert "/tmp" not in text and "/work" not in text and "\\" not in text, text
    assert not re.search(r"[A-Za-z]{4,}", text.replace("Excel", "").replace("xlsx", "")), text


def _published(baseline: Any) -> tuple[str, str, set[str]]:
    current = Run.objects.current()
    assert current is not None
    return current.run_id, SnapshotStore().latest().id, {item.path for item in InputSet().files()}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_county_clerks_rows_for_other_counties_are_refused_listed_and_never_published(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    people = _village_of_people(baseline.snapshot.id)
    # A pupil's place: the registry member's village, else the city county the ID was issued in.
    roll = (
        _roll(exports)
        .with_columns(normalise_expr(pl.col("身份证号")).alias("身份证号"))
        .join(people, left_on="身份证号", right_on="id_number", how="left")
        .with_columns(
            pl.coalesce(
                "village_code",
                pl.when(pl.col("身份证号").str.slice(0, 6).is_in(list(counties()))).then(
                    pl.col("身份证号").str.slice(0, 6)
                ),
            ).alias("village_code")
        )
    )
    elsewhere = roll.filter(
        pl.col("village_code").is_not_null() & ~pl.col("village_code").str.starts_with(LIXIAN)
    )
    at_home = roll.filter(pl.col("village_code").str.starts_with(LIXIAN))
    assert elsewhere.height > 0 and at_home.height > 0
    # Two children of the registry the city's roll does not list, each reported as 辍学:
    # one in 礼县 (the clerk's own), one in 武都区 (a finding there, were the row taken).
    unlisted = people.filter(~pl.col("id_number").is_in(roll["身份证号"].implode()))
    own = unlisted.filter(pl.col("village_code").str.starts_with(LIXIAN))["id_number"][0]
    foreign = unlisted.filter(pl.col("village_code").str.starts_with("621202"))["id_number"][0]
    added = pl.DataFrame(
        {"身份证号": [own, foreign], "姓名": ["礼县学生", "武都学生"], "学校名称": ["", ""]}
    ).with_columns(学段=pl.lit("初中"), 学籍状态=pl.lit("辍学"))
    path = tmp_path / SCHOOL_ROLL
    pl.concat([_roll(exports), added.select(_roll(exports).columns)]).write_csv(path)

    upload = _send(client, cast["county_school"], path)

    assert upload.status == Upload.Status.DONE, upload.outcome
    assert upload.comparison == [], "礼县's first school roll replaces no file, so nothing to compare"
    outside = upload.problems.filter(code="OUTSIDE_REGION")
    assert outside.count() == elsewhere.height + 1
    assert outside.filter(value=foreign).exists() and not outside.filter(value=own).exists()
    first = outside.order_by("row").first()
    assert first is not None and first.column == "身份证号" and first.action == "excluded"
    assert "不在您的区划（礼县）内" in first.message and first.row and first.row >= 2
    snapshot = SnapshotStore().get(upload.snapshot_id)
    published = snapshot.read("school_roll")
    sent = published.filter(pl.col("_file").str.starts_with(f"upload-{upload.pk}/"))
    assert sent["id_number"].to_list() == [own]
    assert foreign not in published["id_number"].to_list()
    kept = InputSet().current / f"upload-{upload.pk}" / SCHOOL_ROLL
    kept_ids = set(kept.read_text("utf-8-sig").replace("\n", ",").split(","))
    assert own in kept_ids and foreign not in kept_ids
    assert not set(elsewhere["身份证号"].to_list()) & kept_ids
    client.force_login(cast["county_school"])
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "不在您的区划（礼县）内" in page and elsewhere["身份证号"][0] not in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_registry_household_placed_outside_the_city_is_refused_and_not_imported(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    households = pl.read_csv(exports / "户信息.csv", infer_schema=False)
    moved = households.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("620102001001"))
        .otherwise(pl.col("行政区划代码"))
        .alias("行政区划代码")
    )
    path = tmp_path / "户信息.csv"
    moved.write_csv(path)

    upload = _send(client, cast["city"], path, feed="households")

    # Outside the city, its township is unknown too: the row is refused before the region check.
    problem = upload.problems.get(row=2, field="village_code")
    assert (problem.column, problem.action) == ("行政区划代码", "excluded")
    assert upload.status == Upload.Status.DONE, upload.outcome
    imported = SnapshotStore().get(upload.snapshot_id).read("households")
    assert households["户编号"][0] not in imported["household_id"].to_list()


def _junk(exports: Path, tmp_path: Path) -> Path:
    """The right headers; all but three rows carry made-up ID numbers."""
    roll = _roll(exports)
    junk = roll.with_columns(
        pl.when(pl.int_range(pl.len()) < 3)
        .then(pl.col("身份证号"))
        .otherwise(pl.format("62122{}", pl.int_range(pl.len()).cast(pl.String).str.zfill(13)))
        .alias("身份证号")
    )
    path = tmp_path / "学籍信息（新）.csv"
    junk.write_csv(path)
    return path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_junk_school_roll_waits_for_the_city_office_and_is_published_once_it_confirms(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    before = _published(baseline)
    upload = _send(client, cast["school"], _junk(exports, tmp_path))

    assert upload.status == Upload.Status.HELD, upload.outcome
    assert "有效身份证号占比" in upload.outcome and "等待市级办公室确认" in upload.outcome
    assert _published(baseline) == before, "nothing is adopted or published while held"
    client.force_login(cast["school"])
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "待市级确认" in page and "新文件与在用文件" in page and "有效身份证号占比" in page
    assert "确认使用该文件" not in page and "hx-trigger" not in page
    for who in ("school", "county", "inspector"):
        client.force_login(cast[who])
        assert client.post(f"/imports/{upload.pk}/confirm/").status_code in (403, 404), who
    upload.refresh_from_db()
    assert upload.status == Upload.Status.HELD

    client.force_login(cast["city"])
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "确认使用该文件" in page and "驳回，不使用" in page
    assert client.post(f"/imports/{upload.pk}/confirm/").status_code == 302
    upload.refresh_from_db()
    assert (upload.status, upload.review, upload.reviewed_by) == ("queued", "confirmed", cast["city"])
    process_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.DONE, upload.outcome
    current = Run.objects.current()
    assert current is not None and current.run_id == upload.run_id != before[0]
    assert upload.problems.values("position").distinct().count() == upload.problems.count()
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "市级已确认使用" in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_one_row_school_roll_waits_and_the_city_office_rejecting_it_discards_it(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    before = _published(baseline)
    path = tmp_path / "学籍信息（一行）.csv"
    _roll(exports).head(1).write_csv(path)
    upload = _send(client, cast["school"], path)

    assert upload.status == Upload.Status.HELD, upload.outcome
    assert "行数从" in upload.outcome
    assert upload.comparison[0]["new"]["rows"] == 1
    assert upload.comparison[0]["current"]["rows"] == _roll(exports).height

    client.force_login(cast["city"])
    assert client.post(f"/imports/{upload.pk}/reject/").status_code == 302
    upload.refresh_from_db()
    assert (upload.status, upload.review) == (Upload.Status.FAILED, "rejected")
    assert "未同意使用该文件" in upload.outcome
    process_upload(upload.pk)  # a rejected upload is never picked up again
    assert _published(baseline) == before
    assert client.post(f"/imports/{upload.pk}/confirm/").status_code == 403


def _workbook(exports: Path, folder: Path, name: str, change_sheet: Any) -> Path:
    honest = folder / "honest.xlsx"
    _roll(exports).head(3).write_excel(honest, worksheet="学籍")
    target = folder / name
    with (
        zipfile.ZipFile(honest) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(
                item.filename, change_sheet(data) if item.filename == "xl/worksheets/sheet1.xml" else data
            )
    return target


@pytest.mark.django_db(transaction=True)
def test_a_zip_bomb_workbook_is_refused_at_once_in_chinese(
    client: Client, cast: dict[str, User], home: Path, exports: Path, tmp_path: Path
) -> None:
    padding = b" " * (100 * 1024 * 1024)
    bomb = _workbook(
        exports, tmp_path, "学籍信息.xlsx", lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>")
    )
    assert bomb.stat().st_size < 1024 * 1024
    started = time.perf_counter()
    upload = _send(client, cast["school"], bomb)
    assert time.perf_counter() - started < 10
    assert upload.status == Upload.Status.FAILED
    assert "压缩比异常" in upload.outcome and "学籍信息.xlsx" in upload.outcome
    assert_plain_chinese(upload.outcome, "学籍信息.xlsx")
    for problem in upload.problems.all():
        assert_plain_chinese(problem.message, "学籍信息.xlsx")
    assert not InputSet().files()


@pytest.mark.django_db(transaction=True)
def test_a_workbook_declaring_a_million_rows_is_refused_at_once_in_chinese(
    client: Client, cast: dict[str, User], home: Path, exports: Path, tmp_path: Path
) -> None:
    def declare(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1000000"/>', xml)

    workbook = _workbook(exports, tmp_path, "学籍信息.xlsx", declare)
    started = time.perf_counter()
    upload = _send(client, cast["school"], workbook)
    assert time.perf_counter() - started < 10
    assert upload.status == Upload.Status.FAILED
    assert "1,000,000 行" in upload.outcome and "与实际内容不符" in upload.outcome
    assert_plain_chinese(upload.outcome, "学籍信息.xlsx")


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_row_cap_is_refused_naming_the_cap(
    client: Client, cast: dict[str, User], home: Path, exports: Path, tmp_path: Path, settings: Any
) -> None:
    settings.FANGFAN_UPLOAD_MAX_ROWS = 10
    path = tmp_path / SCHOOL_ROLL
    _roll(exports).write_csv(path)
    upload = _send(client, cast["school"], path)
    assert upload.status == Upload.Status.FAILED
    assert "超过每类数据 10 行的上限" in upload.outcome
    assert_plain_chinese(upload.outcome, SCHOOL_ROLL)


@pytest.mark.django_db(transaction=True)
def test_a_broken_workbook_is_refused_without_library_text_or_paths(
    client: Client, cast: dict[str, User], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "学籍信息.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    upload = _send(client, cast["school"], path)
    assert upload.status == Upload.Status.FAILED
    assert "不是有效的 Excel 工作簿" in upload.outcome
    assert_plain_chinese(upload.outcome, "学籍信息.xlsx")
    assert str(home) not in upload.outcome and str(tmp_path) not in upload.outcome


@pytest.mark.django_db(transaction=True)
def test_a_system_error_tells_the_uploader_in_chinese_and_keeps_the_details_for_the_log(
    client: Client,
    cast: dict[str, User],
    home: Path,
    exports: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fangfan.web.imports import processing

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"disk full at {tmp_path}/scratch")

    monkeypatch.setattr(processing, "run_and_publish", broken)
    path = tmp_path / SCHOOL_ROLL
    _roll(exports).write_csv(path)
    with pytest.raises(RuntimeError):
        _send(client, cast["school"], path)
    upload = Upload.objects.latest("pk")
    assert upload.status == Upload.Status.FAILED and "系统错误" in upload.outcome
    assert_plain_chinese(upload.outcome)
    assert "disk full" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_school_roll_with_no_registry_to_join_is_refused_without_a_server_path(
    client: Client, cast: dict[str, User], home: Path, exports: Path, tmp_path: Path
) -> None:
    path = tmp_path / SCHOOL_ROLL
    _roll(exports).write_csv(path)
    upload = _send(client, cast["school"], path)
    assert upload.status == Upload.Status.FAILED and "没有可导入的户信息" in upload.outcome
    assert_plain_chinese(upload.outcome, SCHOOL_ROLL)
    assert str(home) not in upload.outcome and "upload-" not in upload.outcome


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_county_clerks_mistyped_row_is_never_linked_to_a_person_of_another_county(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.link.regions import OUTSIDE_NOTE
    from fangfan.engine.link.run import LINKS_FILE, derived_dir

    # 礼县's clerk adds a child of another county the roll does not list, reported 辍学. The
    # child's number was issued outside the city, and its last character is mistyped: a
    # number the registry does not know, from no county of the city, so the upload check
    # cannot place the row and keeps it; its first 17 digits and name tie it to the child.
    snapshot = SnapshotStore().get(baseline.snapshot.id)
    roll = _roll(exports)
    members = snapshot.read("members").join(
        snapshot.read("households").select("household_id", "village_code"), on="household_id"
    )
    child = members.filter(
        ~pl.col("village_code").str.starts_with(LIXIAN)
        & ~pl.col("id_number").str.slice(0, 6).is_in(list(counties()))
        & ~pl.col("id_number").is_in(normalise_expr(roll["身份证号"]).implode())
        & (pl.col("id_number").str.len_chars() == 18)
    ).row(0, named=True)
    check = child["id_number"][17]
    typed = child["id_number"][:17] + ("1" if check != "1" else "2")
    added = pl.DataFrame({"身份证号": [typed], "姓名": [child["name"]], "学校名称": ["城关中学"]})
    added = added.with_columns(学段=pl.lit("初中"), 学籍状态=pl.lit("辍学"))
    path = tmp_path / SCHOOL_ROLL
    pl.concat([roll, added.select(roll.columns)]).write_csv(path)

    upload = _send(client, cast["county_school"], path)

    assert upload.status == Upload.Status.DONE, upload.outcome
    assert not upload.problems.filter(code="OUTSIDE_REGION", value=typed).exists(), "the row is kept"
    links_path = derived_dir(SnapshotStore().get(upload.snapshot_id)) / LINKS_FILE
    links = pl.read_parquet(links_path)
    sent = links.filter(pl.col("_file").str.starts_with(f"upload-{upload.pk}/"))
    assert sent.filter(pl.col("status") == "linked")["linked_village_code"].str.starts_with(LIXIAN).all()
    row = sent.filter(pl.col("id_as_written") == typed).row(0, named=True)
    assert (row["status"], row["linked_id_number"], row["note"]) == ("unlinked", None, OUTSIDE_NOTE), str(row)

    # Without the sender's region the linker takes the other county's child: the guard stops it.
    links_path.unlink()
    free = link_snapshot(SnapshotStore().get(upload.snapshot_id)).links
    taken = free.filter(pl.col("id_as_written") == typed).row(0, named=True)
    assert (taken["status"], taken["linked_id_number"]) == ("linked", child["id_number"])
