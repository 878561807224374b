"""Upload pages through HTTP: who may send what, who may read which upload, the form's errors.

Nothing here runs the engine: an upload is recorded and queued, and stays queued.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent, UnmaskEvent, User
from fangfan.web.imports.models import Upload, UploadProblem

CSV = "身份证号,姓名,学校名称,学段,学籍状态\n".encode()


def _file(name: str = "学籍信息.csv", content: bytes = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _post(client: Client, user: User, feed: str, file: SimpleUploadedFile | None = None) -> Any:
    client.force_login(user)
    return client.post("/imports/new/", {"feed": feed, "file": file or _file(), "as_of": "2026-10-31"})


@pytest.mark.usefixtures("home")
def test_a_department_officer_uploads_its_own_feed_and_it_is_queued(
    client: Client, cast: dict[str, User], settings: Any
) -> None:
    response = _post(client, cast["school"], "school_roll")
    upload = Upload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{upload.pk}/"
    assert upload.status == Upload.Status.QUEUED
    assert (upload.uploaded_by, upload.region.code, upload.feed) == (cast["school"], "621200", "school_roll")
    assert (Path(settings.MEDIA_ROOT) / upload.stored_file).read_bytes() == CSV
    assert upload.original_name == "学籍信息.csv" and upload.size == len(CSV)
    assert AuditEvent.objects.filter(object_id=str(upload.pk), action="create").exists()


@pytest.mark.usefixtures("home")
def test_the_form_offers_a_department_officer_only_its_feed(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["school"])
    page = client.get("/imports/new/").content.decode()
    assert 'value="school_roll"' in page
    assert 'value="households"' not in page and 'value="medical_claims"' not in page


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("feed", ["households", "medical_insurance"])
def test_a_department_officer_cannot_upload_another_feed(
    client: Client, cast: dict[str, User], feed: str
) -> None:
    response = _post(client, cast["school"], feed)
    assert response.status_code == 200
    assert "您的账号不能上传这类数据" in response.content.decode()
    assert not Upload.all_objects.exists()


@pytest.mark.usefixtures("home")
def test_the_city_office_uploads_the_registry_but_not_a_department_feed(
    client: Client, cast: dict[str, User]
) -> None:
    assert _post(client, cast["city"], "households", _file("户信息.xlsx", b"PK")).status_code == 302
    refused = _post(client, cast["city"], "school_roll")
    assert "您的账号不能上传这类数据" in refused.content.decode()
    assert list(Upload.objects.values_list("feed", flat=True)) == ["households"]


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("who", ["county", "township", "village", "inspector"])
def test_other_roles_may_not_upload(client: Client, cast: dict[str, User], who: str) -> None:
    client.force_login(cast[who])
    assert client.get("/imports/new/").status_code == 403
    assert _post(client, cast[who], "school_roll").status_code == 403
    assert not Upload.all_objects.exists()


@pytest.mark.usefixtures("home")
def test_a_file_of_another_type_is_refused_in_chinese(client: Client, cast: dict[str, User]) -> None:
    response = _post(client, cast["school"], "school_roll", _file("学籍信息.docx", b"x"))
    page = response.content.decode()
    assert "不支持“.docx”文件" in page and ".xlsx、.xls 或 .csv" in page
    assert not Upload.all_objects.exists()


@pytest.mark.usefixtures("home")
def test_a_file_over_the_size_limit_is_refused(client: Client, cast: dict[str, User], settings: Any) -> None:
    settings.FANGFAN_UPLOAD_MAX_BYTES = 10
    page = _post(client, cast["school"], "school_roll").content.decode()
    assert "文件太大" in page and "不能超过 10 字节" in page
    assert not Upload.all_objects.exists()


@pytest.mark.usefixtures("home")
def test_a_missing_file_and_date_are_named(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["school"])
    page = client.post("/imports/new/", {"feed": "school_roll"}).content.decode()
    assert "请选择要上传的文件" in page and "请填写数据截止日期" in page


@pytest.fixture
def county_upload(client: Client, cast: dict[str, User], home: Path) -> Upload:
    """礼县's school-roll officer has uploaded 礼县's school roll."""
    _post(client, cast["county_school"], "school_roll")
    client.logout()
    return Upload.objects.get()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("county_school", 200),  # the uploader
        ("city", 200),  # the city holds 礼县
        ("county", 200),  # 礼县's own county office
        ("inspector", 200),  # reads everything in the city
        ("school", 404),  # a department officer sees only what it uploaded
        ("other_county", 404),  # 武都区 does not see 礼县's
        ("township", 403),  # no business with uploads
        ("village", 403),
    ],
)
def test_who_may_read_an_upload(
    client: Client, cast: dict[str, User], county_upload: Upload, who: str, status: int
) -> None:
    client.force_login(cast[who])
    for url in (f"/imports/{county_upload.pk}/", f"/imports/{county_upload.pk}/status/"):
        assert client.get(url).status_code == status, url
    listed = client.get("/imports/")
    if status == 200:
        assert county_upload.original_name in listed.content.decode()
    elif listed.status_code == 200:
        assert county_upload.original_name not in listed.content.decode()


@pytest.mark.parametrize(
    ("who", "listed"), [("county_school", True), ("city", True), ("other_county", False)]
)
def test_the_upload_list_downloads_as_excel_with_only_what_the_user_may_see(
    client: Client, cast: dict[str, User], county_upload: Upload, who: str, listed: bool
) -> None:
    client.force_login(cast[who])
    response = client.get("/imports/uploads.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["上传时间", "文件", "数据类别"]
    assert [row[1] for row in rows[1:]] == ([county_upload.original_name] if listed else [])


@pytest.mark.parametrize("who", ["county_school", "inspector", "other_county"])
def test_the_original_file_is_refused_to_those_who_may_not_see_whole_ids_even_its_uploader(
    client: Client, cast: dict[str, User], county_upload: Upload, who: str
) -> None:
    client.force_login(cast[who])
    for method in (client.get, client.post):
        response = method(f"/imports/{county_upload.pk}/file/", {"reason": "核对原始数据"})
        assert response.status_code in (403, 404), (method, response.status_code)
    assert not UnmaskEvent.objects.exists()
    page = client.get(f"/imports/{county_upload.pk}/")
    assert "下载原始文件" not in page.content.decode()


def test_the_original_file_asks_for_a_reason_and_its_download_is_recorded_as_unmasking(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    client.force_login(cast["county"])
    url = f"/imports/{county_upload.pk}/file/"
    assert f'href="{url}"' in client.get(f"/imports/{county_upload.pk}/").content.decode()
    form = client.get(url)
    assert form.status_code == 200 and "查看原因" in form.content.decode()
    assert not UnmaskEvent.objects.exists(), "showing the form writes nothing"
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400 and "请填写查看原因" in refused.content.decode()
    assert not UnmaskEvent.objects.exists()

    response = client.post(url, {"reason": "核对礼县学籍数据"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV  # type: ignore[attr-defined]
    event = UnmaskEvent.objects.get()
    assert (event.user, event.object_id, event.field, event.reason) == (
        cast["county"],
        str(county_upload.pk),
        "stored_file",
        "核对礼县学籍数据",
    )


def test_a_queued_upload_is_polled_every_two_seconds(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    client.force_login(cast["county_school"])
    page = client.get(f"/imports/{county_upload.pk}/").content.decode()
    assert f'hx-get="/imports/{county_upload.pk}/status/"' in page and 'hx-trigger="every 2s"' in page
    assert "排队中" in page


def test_a_finished_upload_stops_polling_and_reloads_the_page(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    county_upload.update_audited(None, status=Upload.Status.FAILED, outcome="文件未通过检查")
    client.force_login(cast["county_school"])
    status = client.get(f"/imports/{county_upload.pk}/status/")
    assert status["HX-Refresh"] == "true" and "hx-trigger" not in status.content.decode()
    page = client.get(f"/imports/{county_upload.pk}/").content.decode()
    assert "hx-trigger" not in page and "文件未通过检查" in page and "失败" in page


def test_pages_carry_no_inline_script_or_style(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    client.force_login(cast["county_school"])
    for url in ("/imports/", "/imports/new/", f"/imports/{county_upload.pk}/"):
        page = client.get(url).content.decode()
        assert "style=" not in page and "<script>" not in page and " on" + "change=" not in page, url


def test_the_problems_of_an_upload_hide_ids_phones_and_birth_dates_from_everyone_on_page_and_sheet(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    # 王秀英's row had a bad birth date, and the row below her a bad phone and a note naming her
    # number: together, a whole birth date would complete her masked ID on the same page.
    whole_id, phone = "62122619680305422X", "13912345678"
    rows = [
        ("members", "id_number", "身份证号", whole_id, "ID_INVALID", "身份证号校验位不对"),
        ("members", "birth_date", "出生日期", "1968-03-05", "DATE_MISMATCH", "出生日期与身份证号不一致"),
        ("members", "phone", "联系电话", phone, "PHONE_INVALID", "电话号码格式不对"),
        (
            "members",
            "name",
            "姓名",
            f"王秀英{whole_id}",
            "NAME_INVALID",
            f"姓名中有号码 {whole_id}，电话{phone}",
        ),
    ]
    for position, (table, field, column, value, code, message) in enumerate(rows, start=1):
        UploadProblem.objects.create(
            upload=county_upload,
            position=position,
            sheet="成员",
            row=position + 1,
            table=table,
            field=field,
            column=column,
            value=value,
            code=code,
            message=message,
            action="kept",
        )
    county_upload.problem_count = len(rows)
    county_upload.status = Upload.Status.FAILED
    county_upload.save()
    for who in ("city", "county", "county_school", "inspector"):
        client.force_login(cast[who])
        page = client.get(f"/imports/{county_upload.pk}/").content.decode()
        sheet = client.get(f"/imports/{county_upload.pk}/problems.xlsx")
        assert sheet.status_code == 200, who
        cells = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0).to_python()
        text = "\n".join("|".join(str(cell) for cell in row) for row in cells)
        for shown in (page, text):
            assert "621226********422X" in shown and "1968年" in shown, who
            for secret in (whole_id, phone, "1968-03-05", "19680305"):
                assert secret not in shown, (who, secret)


def test_a_running_upload_shows_its_step_and_progress_and_keeps_polling(
    client: Client, cast: dict[str, User], county_upload: Upload
) -> None:
    county_upload.status = Upload.Status.RUNNING
    county_upload.step, county_upload.step_done, county_upload.step_total = "校验数据", 3, 16
    county_upload.save()
    client.force_login(cast["county_school"])
    from fangfan.web.imports.liveness import working_on

    with working_on(county_upload.pk):  # its worker at work (a worker gone fails it: test_faults)
        fragment = client.get(f"/imports/{county_upload.pk}/status/").content.decode()
    assert 'data-status="running"' in fragment and "正在：<strong>校验数据</strong>（3/16）" in fragment
    assert '<progress max="16" value="3">' in fragment and 'hx-trigger="every 2s"' in fragment
