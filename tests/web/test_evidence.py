"""佐证资料 through the Django client: uploads on the household page, the checks on every file,
the gated file view, completeness per village and township, the Excel and the inspector's zip.

The cast (tests/cast.py), in 礼县 城关镇 石桥村: 王秀英's house was renovated (农村危房改造:
a 鉴定报告 and 竣工照片 are needed) and her grandson 李浩 left school (EDU-001 is open: a
在校证明 is needed). The 石桥村 team photographs the finished house on its phone — the photo
carries the camera's GPS position, which must not survive. 北关村 (武都区) is another county:
its team sees none of this. The inspector of 礼县 reads and downloads, never writes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from python_calamine import CalamineWorkbook

from cast import BEIGUAN, LI_HAO, SHIQIAO, WANG_XIUYING
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.evidence.models import EvidenceItem, StoredFile, VillageTally
from fangfan.web.evidence.testing import PDF, TAKEN, camera_photo, make_evidence
from fangfan.web.registry.models import Household, Member
from fangfan.web.workqueue.testing import current_run, make_finding, make_household

pytestmark = pytest.mark.django_db
Role = User.Role
COMPLETION = "policy:housing_renovation||completion_photos"
APPRAISAL = "policy:housing_renovation||appraisal_report"


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    wang = make_household(
        SHIQIAO,
        1,
        head_name=WANG_XIUYING.name,
        head_id_number=WANG_XIUYING.id_number,
        phone=WANG_XIUYING.phone,
        house_renovated=True,
        village_name="石桥村",
    )
    for position, (person, relation, schooling) in enumerate(
        ((WANG_XIUYING, "户主", "非在校生"), (LI_HAO, "之孙子", "失学辍学"))
    ):
        Member.objects.create(
            household=wang,
            village_code=SHIQIAO,
            position=position,
            name=person.name,
            id_number=person.id_number,
            relation=relation,
            birth_date=person.born,
            schooling=schooling,
            member_status="正常",
            last_run=current_run(),
        )
    make_finding(
        SHIQIAO,
        "EDU-001",
        1,
        rule_name="适龄儿童失学辍学",
        category="EDUCATION",
        level="person",
        person_name=LI_HAO.name,
        veto=True,
        message="李浩（14岁）失学辍学",
    )
    outside = make_household(BEIGUAN, 1, head_name="马占山", house_renovated=True)
    return {
        "wang": wang,
        "outside": outside,
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "township": make_user(Role.TOWNSHIP, SHIQIAO[:9]),
        "county": make_user(Role.COUNTY, SHIQIAO[:6]),
        "city": make_user(Role.CITY, "621200"),
        "inspector": make_user(Role.INSPECTOR, SHIQIAO[:6]),
        "beiguan": make_user(Role.VILLAGE, BEIGUAN, username="北关村工作队"),
    }


def _client(user: User, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _upload(
    client: Client, household: Household, content: bytes, name: str, need: str = COMPLETION, **extra: Any
) -> Any:
    data = {"need": need, "photo": SimpleUploadedFile(name, content, content_type="image/jpeg"), **extra}
    return client.post(f"/evidence/households/{household.household_id}/upload/", data)


def _page(client: Client, household: Household) -> str:
    return client.get(f"/households/{household.household_id}/").content.decode()


def test_the_village_team_photographs_the_finished_house_and_the_household_page_counts_it(cast):
    team = _client(cast["village"])
    before = _page(team, cast["wang"])
    assert (
        "已有 0/3 项" in before
        and "农村危房改造·竣工照片" in before
        and "适龄儿童失学辍学（李浩）·在校证明" in before
    )
    assert 'capture="environment"' in before and 'accept="image/*"' in before

    response = _upload(team, cast["wang"], camera_photo(), "IMG_20261030.jpg", back="household")

    assert response.status_code == 302 and response["Location"].endswith(
        f"/households/{cast['wang'].household_id}/#evidence"
    )
    assert "已有 1/3 项" in _page(team, cast["wang"])
    item = EvidenceItem.objects.get()
    assert item.title == "农村危房改造·竣工照片" and item.uploaded_by == cast["village"]
    assert AuditEvent.objects.filter(action="create", object_id=str(item.pk), object_repr=item.title).exists()


def test_the_kept_photo_is_upright_and_has_lost_its_gps_and_everything_but_the_date_taken(cast):
    _upload(_client(cast["village"]), cast["wang"], camera_photo(), "IMG_20261030.jpg")

    item = EvidenceItem.objects.select_related("file").get()
    data = default_storage.open(item.file.stored_name).read()
    image = Image.open(io.BytesIO(data))
    assert image.size == (48, 64)  # turned upright by its orientation tag, which is gone with the rest
    assert len(image.getexif()) == 0 and "exif" not in image.info and "comment" not in image.info
    assert b"HUAWEI" not in data and b"13912345678" not in data and b"Exif" not in data
    assert item.taken_at is not None
    assert timezone.localtime(item.taken_at).strftime("%Y:%m:%d %H:%M:%S") == TAKEN


@pytest.mark.parametrize(
    ("name", "content", "seen_as"),
    [
        ("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "Windows程序（.exe）"),
        ("竣工照片.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "网页（HTML）"),
        (
            "鉴定报告.pdf",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "SVG图形",
        ),
        ("IMG_0001.jpg", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 32, "HEIC照片"),
    ],
)
def test_a_file_that_is_not_a_photo_or_pdf_is_refused_in_chinese_whatever_its_name_says(
    cast, name, content, seen_as
):
    response = _upload(_client(cast["village"]), cast["wang"], content, name)

    assert response.status_code == 400
    text = response.content.decode()
    assert f"文件“{name}”按内容是{seen_as}，不是照片（JPG、PNG）或PDF，未保存。" in text
    assert EvidenceItem.objects.count() == 0 and StoredFile.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cast, settings):
    settings.FANGFAN_EVIDENCE_MAX_BYTES = 1_000

    response = _upload(_client(cast["village"]), cast["wang"], camera_photo(size=(400, 300)), "大照片.jpg")

    text = response.content.decode()
    assert (
        response.status_code == 400
        and "文件“大照片.jpg”有" in text
        and "KB，超过1 KB的上限，未保存。" in text
    )
    assert EvidenceItem.objects.count() == 0


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming a huge picture (a decompression bomb's opening), with one tiny row."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_and_so_is_a_photo_over_the_pixel_limit(cast, settings):
    team = _client(cast["village"])

    bomb = _upload(team, cast["wang"], _png_claiming(60_000, 60_000), "炸弹.png")
    settings.FANGFAN_EVIDENCE_MAX_PIXELS = 1_000
    large = _upload(team, cast["wang"], camera_photo(size=(64, 48)), "大图.jpg")

    assert bomb.status_code == 400 and "解压炸弹" in bomb.content.decode()
    assert large.status_code == 400 and "有64×48像素，超过0百万像素的上限" in large.content.decode()
    assert EvidenceItem.objects.count() == 0


def _pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj", "脚本（JavaScript）"),
        (b"1 0 obj << /Names << /EmbeddedFiles 2 0 R >> >> endobj", "嵌入的文件"),
        (b"1 0 obj << /S /J#61vaScript >> endobj", "脚本（JavaScript）"),  # a name written with #xx escapes
        (b"1 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n", "脚本（JavaScript）"),
        (b"1 0 obj << /A << /S /Launch /F (cmd.exe) >> >> endobj", "启动外部程序的动作"),
    ],
)
def test_a_pdf_that_runs_scripts_or_carries_files_is_refused(cast, body, what):
    import zlib

    if body.endswith(b"stream\n"):  # the script hidden in a compressed object stream
        body += (
            zlib.compress(b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj") + b"\nendstream endobj"
        )
    data = {
        "need": APPRAISAL,
        "document": SimpleUploadedFile("鉴定报告.pdf", _pdf_with(body), "application/pdf"),
    }

    response = _client(cast["village"]).post(
        f"/evidence/households/{cast['wang'].household_id}/upload/", data
    )

    assert response.status_code == 400 and f"含有{what}" in response.content.decode()
    assert EvidenceItem.objects.count() == 0


def test_a_plain_pdf_is_kept_as_it_came_and_downloads_as_an_attachment(cast):
    team = _client(cast["village"])
    data = {"need": APPRAISAL, "document": SimpleUploadedFile("鉴定报告.jpg", PDF, "image/jpeg")}

    assert team.post(f"/evidence/households/{cast['wang'].household_id}/upload/", data).status_code == 302
    item = EvidenceItem.objects.get()
    response = team.get(f"/evidence/items/{item.pk}/file/")

    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and ".pdf" in response["Content-Disposition"]
    )


def test_the_same_photo_twice_under_one_need_is_已上传过_and_under_another_is_one_file_twice(cast):
    team = _client(cast["village"])
    photo = camera_photo()
    _upload(team, cast["wang"], photo, "第一次.jpg")

    again = _upload(team, cast["wang"], photo, "第二次.jpg")
    other = _upload(team, cast["wang"], photo, "同一张.jpg", need=APPRAISAL)

    assert again.status_code == 400 and "文件“第二次.jpg”已上传过" in again.content.decode()
    assert other.status_code == 302
    assert EvidenceItem.objects.count() == 2 and StoredFile.objects.count() == 1
    files = list((Path(StoredFile.objects.get().stored_name)).parts)
    assert files[0] == "evidence" and files[-1].startswith(StoredFile.objects.get().sha256)


def test_a_photo_is_served_to_its_region_only_with_nosniff_and_never_from_media(cast):
    item = make_evidence(cast["village"], cast["wang"])

    inside = _client(cast["township"]).get(f"/evidence/items/{item.pk}/file/")
    outside = _client(cast["beiguan"]).get(f"/evidence/items/{item.pk}/file/")
    media = _client(cast["township"]).get(f"/media/{item.file.stored_name}")

    assert inside.status_code == 200 and inside["Content-Type"] == "image/jpeg"
    assert inside["X-Content-Type-Options"] == "nosniff" and inside["Content-Disposition"].startswith(
        "inline;"
    )
    assert "sandbox" in inside["Content-Security-Policy"]
    assert outside.status_code == 404 and media.status_code == 404


def test_another_county_cannot_see_upload_or_list_the_household(cast):
    beiguan = _client(cast["beiguan"])
    wang = cast["wang"].household_id

    assert beiguan.get(f"/evidence/households/{wang}/").status_code == 404
    assert beiguan.get(f"/evidence/households/{wang}/evidence.zip").status_code == 404
    assert _upload(beiguan, cast["wang"], camera_photo(), "x.jpg").status_code == 404
    assert beiguan.get(f"/evidence/region/{SHIQIAO}/").status_code == 404
    assert beiguan.get(f"/evidence/region/{SHIQIAO}/missing.xlsx").status_code == 404
    assert EvidenceItem.objects.count() == 0


def test_the_inspector_and_the_city_read_but_do_not_upload_or_remove(cast):
    item = make_evidence(cast["village"], cast["wang"])
    inspector, city = _client(cast["inspector"]), _client(cast["city"])

    assert inspector.get(f"/evidence/households/{cast['wang'].household_id}/").status_code == 200
    assert _upload(inspector, cast["wang"], camera_photo("blue"), "x.jpg", need=APPRAISAL).status_code == 403
    assert _upload(city, cast["wang"], camera_photo("blue"), "x.jpg", need=APPRAISAL).status_code == 403
    assert inspector.post(f"/evidence/items/{item.pk}/remove/", {"reason": "试"}).status_code == 403
    assert EvidenceItem.objects.count() == 1


def test_writes_are_post_only_and_need_the_csrf_token(cast):
    item = make_evidence(cast["village"], cast["wang"])
    strict = _client(cast["village"], enforce_csrf_checks=True)

    assert strict.get(f"/evidence/households/{cast['wang'].household_id}/upload/").status_code == 405
    assert strict.get(f"/evidence/items/{item.pk}/remove/").status_code == 405
    assert _upload(strict, cast["wang"], camera_photo("blue"), "x.jpg", need=APPRAISAL).status_code == 403
    assert strict.post(f"/evidence/items/{item.pk}/remove/", {"reason": "拍错了"}).status_code == 403
    assert EvidenceItem.objects.count() == 1


def test_removing_a_proof_asks_why_records_it_and_the_count_drops(cast):
    item = make_evidence(cast["village"], cast["wang"])
    team = _client(cast["village"])
    assert "已有 1/3 项" in _page(team, cast["wang"])

    refused = team.post(f"/evidence/items/{item.pk}/remove/", {"reason": " "})
    assert EvidenceItem.objects.count() == 1 and refused.status_code == 302
    team.post(f"/evidence/items/{item.pk}/remove/", {"reason": "拍错了房子"})

    assert "已有 0/3 项" in _page(team, cast["wang"])
    assert EvidenceItem.objects.count() == 0 and EvidenceItem.all_objects.get().removal_reason == "拍错了房子"
    deletion = AuditEvent.objects.get(action="delete", object_id=str(item.pk))
    assert deletion.user == cast["village"] and deletion.old["removal_reason"] == "拍错了房子"
    record = (
        _client(cast["inspector"]).get(f"/evidence/households/{cast['wang'].household_id}/").content.decode()
    )
    assert "已删除的材料" in record and "拍错了房子" in record


def _sheets(response: Any) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_village_and_township_pages_and_excel_count_what_is_missing(cast):
    make_evidence(cast["village"], cast["wang"])
    township = _client(cast["township"])

    village_page = township.get(f"/evidence/region/{SHIQIAO}/").content.decode()
    township_page = township.get(f"/evidence/region/{SHIQIAO[:9]}/").content.decode()
    workbook = _sheets(township.get(f"/evidence/region/{SHIQIAO[:9]}/missing.xlsx"))

    assert "王秀英" in village_page and "1/3" in village_page and "农村危房改造·鉴定报告" in village_page
    assert "石桥村" in township_page and "33%" in township_page
    missing = workbook["缺少的材料"]
    assert missing[0][:6] == ["县（区）", "乡（镇）", "行政村", "户编号", "户主", "政策或问题"]
    assert sorted(row[7] for row in missing[1:]) == ["在校证明", "鉴定报告"]
    assert {row[6] for row in missing[1:]} == {"", "李浩"}
    totals = workbook["完成情况"][-1]
    assert totals[2:7] == [1.0, 0.0, 3.0, 1.0, 2.0]
    assert WANG_XIUYING.id_number not in str(workbook) and WANG_XIUYING.phone not in str(workbook)


def test_the_inspectors_zip_has_a_chinese_index_chinese_names_and_no_whole_numbers(cast):
    make_evidence(
        cast["village"], cast["wang"], name=f"王秀英{WANG_XIUYING.id_number}{WANG_XIUYING.phone}.jpg"
    )

    response = _client(cast["inspector"]).get(
        f"/evidence/households/{cast['wang'].household_id}/evidence.zip"
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names == [
        "王秀英户佐证资料-2026年度/目录.txt",
        "王秀英户佐证资料-2026年度/01-农村危房改造-竣工照片.jpg",
    ]
    index = archive.read(names[0]).decode("utf-8-sig")
    assert "王秀英户佐证资料目录（2026年度）" in index and "完成情况：应有3项，已有1项，缺2项" in index
    assert "农村危房改造·鉴定报告" in index and "适龄儿童失学辍学（李浩）·在校证明" in index
    assert "2026年10月30日 14:05" in index  # the date taken, kept
    assert WANG_XIUYING.id_number not in index and WANG_XIUYING.phone not in index
    assert WANG_XIUYING.id_number[:6] in index  # the masked number and the original name's ends


def test_a_countys_count_is_kept_per_village_and_worked_out_again_when_the_village_uploads(cast):
    county = _client(cast["county"])
    first = county.get(f"/evidence/region/{SHIQIAO[:6]}/").content.decode()
    kept = VillageTally.objects.get()
    assert (kept.village_code, kept.needed, kept.held) == (SHIQIAO, 3, 0) and "0%" in first

    make_evidence(cast["village"], cast["wang"])
    assert VillageTally.objects.count() == 0  # the upload forgot the village's count
    again = county.get(f"/evidence/region/{SHIQIAO[:6]}/").content.decode()
    workbook = _sheets(county.get(f"/evidence/region/{SHIQIAO[:6]}/missing.xlsx"))

    assert "33%" in again and VillageTally.objects.get().held == 1
    assert list(workbook) == ["完成情况", "各村情况"]
    assert workbook["各村情况"][1][:7] == [SHIQIAO, "石桥村", 1.0, 0.0, 3.0, 1.0, 2.0]


def test_a_large_region_is_counted_by_the_background_worker_and_the_page_says_so(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from fangfan.web.evidence import completeness
    from fangfan.web.evidence.tasks import count_region_task

    monkeypatch.setattr(completeness, "LIVE_HOUSEHOLDS", 0)
    county = _client(cast["county"])

    with django_capture_on_commit_callbacks(execute=True):
        waiting = county.get(f"/evidence/region/{SHIQIAO[:6]}/").content.decode()
        county.get(f"/evidence/region/{SHIQIAO[:6]}/")  # a second look queues nothing more
    assert "还有 1 个村的完成情况正在后台计算" in waiting and VillageTally.objects.count() == 0
    assert DBTaskResult.objects.count() == 1
    count_region_task.call(SHIQIAO[:6], 2026)
    counted = county.get(f"/evidence/region/{SHIQIAO[:6]}/").content.decode()

    assert "正在后台计算" not in counted and "0%" in counted and VillageTally.objects.get().needed == 3
