"""A month of offline visits in one export: the import page stays a page.

石桥村's team sends an export in which 1,000 rows could not be placed (a phone that kept an
old household list): the page lists the first 200 with their reasons and says where the
rest are; the import report (Excel) still lists all 1,000.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangfan.web.odk.models import SubmissionImport

from .test_odk_visits import SHIQIAO

pytestmark = pytest.mark.django_db


def test_an_import_with_a_thousand_unplaced_rows_lists_two_hundred_and_points_to_the_report(cast, client_for):
    unplaced = [
        {
            "row": number,
            "column": "household-household_id",
            "value": f"{SHIQIAO}9{number:03d}",
            "problem": "系统中没有该户编号的农户（或该户已不在最新发布的数据中）",
            "household_id": f"{SHIQIAO}9{number:03d}",
        }
        for number in range(2, 1002)
    ]
    batch = SubmissionImport.objects.create(
        uploaded_by=cast["village"],
        region_code=SHIQIAO,
        file_name="submissions.csv",
        source="ODK Central",
        rows=1000,
        unplaced_count=1000,
        unplaced=unplaced,
    )
    village = client_for(cast["village"])
    page = village.get(reverse("odk:import_detail", args=[batch.pk])).content.decode()
    listed = page.split('id="odk-unplaced-rows"', 1)[1].split("</table>", 1)[0]
    assert listed.count("<tr>") == 1 + 200  # the header and the first 200 rows
    assert "页面只列出前200行，其余800行见导入报告（Excel）" in page
    report = village.get(reverse("odk:import_report", args=[batch.pk]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
    assert len(book.get_sheet_by_name("未能导入的行").to_python()) == 1 + 1000
