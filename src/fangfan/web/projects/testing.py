"""Projects for tests, made through the verbs; and the URL matrix's hooks.

from fangfan.web.projects.testing import make_project
project = make_project(county_user, "621226100201", planned_start=today - dt.timedelta(days=10))
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fangfan.web.accounts.models import User
from fangfan.web.projects import actions
from fangfan.web.projects.models import Project
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household


def photo(name: str = "施工现场.jpg", colour: str = "green") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(output, "JPEG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")


def make_project(user: User, region_code: str, **fields: Any) -> Project:
    """A project of the region, ¥1,000,000 (中央 600,000 + 县级 400,000), planned from 30 days ago
    to 300 days ahead unless `fields` say otherwise."""
    today = timezone.localdate()
    number = fields.pop("number", "")
    values: dict[str, Any] = {
        "name": f"{Region.objects.get(code=region_code).name}产业路硬化项目",
        "kind": "infrastructure",
        "content": "硬化村组道路2公里",
        "planned_start": today - dt.timedelta(days=30),
        "planned_finish": today + dt.timedelta(days=300),
        "funds": {"central": Decimal(600_000), "county": Decimal(400_000)},
        "budget_yuan": Decimal(1_000_000),
        **fields,
    }
    region = Region.objects.get(code=region_code)
    return actions.create_project(user, region, actions.Plan(**values), number=number)


def _user(role: str, region_code: str, name: str) -> User:
    region = Region.objects.get(code=region_code)
    user, _ = User.objects.get_or_create(username=name, defaults={"role": role, "region": region})
    return user


# URL name -> how to fill its parameters from the URL matrix's Place (tests/web/test_url_matrix.py).
URL_ROUTES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "projects:home": lambda place: {},
    "projects:new": lambda place: {},
    "projects:import": lambda place: {},
    "projects:import_template": lambda place: {},
    # An import report is kept for its uploader alone: any other token is a 404 for everyone.
    "projects:import_report": lambda place: {"token": "0" * 32},
    **{
        f"projects:{name}": lambda place: {"project_id": place.field.get("project", 0)}
        for name in ("detail", "progress", "payment", "accept", "beneficiary")
    },
    "projects:photo": lambda place: {"photo_id": place.field.get("project_photo", 0)},
    **{
        f"projects:{name}": lambda place: {"code": place.village}
        for name in ("list", "list_excel", "alerts", "alerts_excel", "report", "report_excel", "panel")
    },
}


def url_records(village_code: str, household_id: str) -> dict[str, int]:
    """A village project of the county office, with a progress report (one photo) by the village
    team, a payment and the household as a beneficiary; named after the household head so a
    page that leaks it outside the region trips the matrix's markers."""
    county = _user(User.Role.COUNTY, village_code[:6], f"projects-county-{village_code}")
    village = _user(User.Role.VILLAGE, village_code, f"projects-village-{village_code}")
    household = Household.objects.get(household_id=household_id)
    project = make_project(county, village_code, name=f"{household.head_name}受益的项目")
    report = actions.report_progress(
        village,
        project,
        reported_on=timezone.localdate(),
        percent=20,
        note=f"{household.head_name}家旁施工",
        photos=[photo()],
    )
    actions.record_payment(
        county, project, paid_on=timezone.localdate(), amount_yuan=Decimal(100_000), level="central"
    )
    actions.add_beneficiary(county, project, household, benefit="work", yuan_per_year=Decimal(6_000))
    return {"project": project.pk, "project_photo": report.photos.get().pk}


def crawl_records(users: dict[str, User], home: Household) -> list[str]:
    """For tests/web/test_personal_data_crawl.py: a project in the household's village whose
    notes carry the household head's ID number and phone (as cadres write them), reported
    finished and accepted, the household its beneficiary; the pages to start from."""
    village, county = home.village_code, users["county"]
    numbers = f"户主身份证{home.head_id_number}，电话{home.phone or '13912345678'}"
    project = make_project(county, village, name="产业路", content=f"联系人{numbers}")
    today = timezone.localdate()
    actions.report_progress(users["village"], project, reported_on=today, percent=100, note=numbers)
    actions.record_payment(
        county, project, paid_on=today, amount_yuan=Decimal(1000), level="central", note=numbers
    )
    actions.accept_project(county, project, accepted_on=today, accepted_by_names=numbers, note=numbers)
    actions.add_beneficiary(county, project, home, benefit="work", yuan_per_year=Decimal(6_000))
    region = village[:6]
    return [
        f"/projects/{project.pk}/",
        f"/projects/region/{region}/",
        f"/projects/region/{region}/excel/",
        f"/projects/region/{region}/report/excel/",
    ]
