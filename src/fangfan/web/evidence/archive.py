"""One household's evidence as a zip for an inspector: the files under Chinese names and a
目录.txt index. Names and the index carry names, never a whole ID or phone number: the head's
ID is masked, original file names and notes pass through the masking of free text."""

from __future__ import annotations

import re
import tempfile
import zipfile
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone

from fangfan.engine import formatting
from fangfan.web.accounts.models import User
from fangfan.web.accounts.personal import mask_id, mask_text
from fangfan.web.evidence.completeness import HouseholdEvidence
from fangfan.web.evidence.files import EXTENSIONS, shown_name
from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.evidence.storage import open_stored

UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(text: str) -> str:
    """A file or folder name Windows and phones accept, numbers masked."""
    return UNSAFE.sub("-", shown_name(text)).strip(" .-")[:80] or "佐证"


def archive_name(evidence: HouseholdEvidence) -> str:
    household = evidence.household
    return safe_name(f"{household.head_name}户佐证资料-{evidence.year}年度")


def write_archive(target: BinaryIO, evidence: HouseholdEvidence, user: User) -> None:
    folder = archive_name(evidence)
    files: list[tuple[str, EvidenceItem]] = []
    ordered = [item for _, items in evidence.rows for item in items] + evidence.extra
    for number, item in enumerate(ordered, start=1):
        base = safe_name(f"{number:02d}-{item.title.replace('·', '-')}")  # numbered: never two alike
        files.append((f"{base}{EXTENSIONS.get(item.file.content_type, '')}", item))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        index = _index(evidence, files, user)
        archive.writestr(f"{folder}/目录.txt", "\ufeff" + index.replace("\n", "\r\n"))
        for name, item in files:
            with open_stored(item.file) as handle:  # type: ignore[attr-defined]
                archive.writestr(f"{folder}/{name}", handle.read(), zipfile.ZIP_STORED)


def _index(evidence: HouseholdEvidence, files: list[tuple[str, EvidenceItem]], user: User) -> str:
    household = evidence.household
    lines = [
        f"{household.head_name}户佐证资料目录（{evidence.year}年度）",
        "",
        f"户编号：{household.household_id}",
        f"户主：{household.head_name}（身份证号 {mask_id(household.head_id_number) or '—'}）",
        f"所在地：{household.county_name}{household.township_name}{household.village_name}",
        f"完成情况：应有{evidence.total}项，已有{evidence.done}项，缺{len(evidence.missing)}项",
        f"导出：{user.display_name}，{formatting.datetime_text(timezone.now())}",
        "",
        "一、已上传的材料",
    ]
    for number, (name, item) in enumerate(files, start=1):
        taken = formatting.datetime_text(item.taken_at) if item.taken_at else "照片未记录"
        lines += [
            f"{number}. {item.title}",
            f"   文件：{name}",
            f"   拍摄时间：{taken}；上传：{item.uploaded_by.display_name}，"
            f"{formatting.datetime_text(item.uploaded_at)}",
            f"   原文件名：{shown_name(item.original_name)}"
            + (f"；说明：{mask_text(item.note)}" if item.note else ""),
        ]
    if not files:
        lines.append("（无）")
    lines += ["", "二、缺少的材料"]
    lines += [f"{number}. {need.title}：{need.proof.hint}" for number, need in enumerate(evidence.missing, 1)]
    if not evidence.missing:
        lines.append("（无，材料齐全）")
    return "\n".join(mask_text(line) for line in lines) + "\n"


def zip_response(evidence: HouseholdEvidence, user: User) -> FileResponse:
    # Not a context manager: FileResponse closes (and so removes) the file once it is sent.
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115
    write_archive(handle, evidence, user)
    handle.seek(0)
    response = FileResponse(handle, content_type="application/zip")
    filename = f"{archive_name(evidence)}.zip"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
