"""The bench's public-welfare jobs (fangfan.web.jobs.synthetic) on the small test city: every
village gets posts, most are held by the head of a 脱贫户 or 监测户, a year of pay, the planted
ordinary-household holder found, and the report pages answer the offices with their marker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.jobs import synthetic
from fangfan.web.jobs.models import JobFinding, Payment, Post, Selection
from fangfan.web.jobs.testing import make_post
from fangfan.web.registry.models import Member
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = pytest.mark.django_db
VILLAGES = ("621226100201", "621202001201")


@pytest.fixture
def city():
    make_regions()
    for village in VILLAGES:
        for number in range(1, 9):
            kind = "一般农户" if number == 8 else ("监测户" if number % 3 == 0 else "脱贫户")
            household = make_household(village, number, household_type=kind, head_name=f"户主{number}")
            Member.objects.create(
                household=household,
                village_code=village,
                name=household.head_name,
                id_number=household.head_id_number,
                birth_date=dt.date(1970 + number, 1, 1),
                labour="普通劳动力" if number != 7 else "丧失劳动力",
                member_status="正常",
                last_run=current_run(),
            )


def test_populate_fills_every_village_deterministically_and_replaces_its_own_rows(city):
    own = make_post(VILLAGES[0], title="自己设的岗位")
    counts = synthetic.populate(seed=7, scale=0.001)
    assert counts["岗位"] == Post.objects.filter(synthetic=True).count() >= len(VILLAGES)
    assert {post.village_code for post in Post.objects.filter(synthetic=True)} == set(VILLAGES)
    holders = Selection.objects.filter(synthetic=True)
    assert counts["在岗人员"] == holders.count() > 0
    assert counts["发放记录"] == Payment.objects.count() == 12 * holders.count()
    first = sorted(holders.values_list("village_code", "name", "post__title"))
    again = synthetic.populate(seed=7, scale=0.001)
    assert again == counts
    assert (
        sorted(Selection.objects.filter(synthetic=True).values_list("village_code", "name", "post__title"))
        == first
    )
    assert Post.objects.filter(pk=own.pk).exists()
    # Only the able heads of 脱贫户/监测户 are given posts (户主7 cannot work), but for the planted.
    names = set(holders.values_list("name", flat=True))
    assert "户主7" not in names and names <= {f"户主{number}" for number in range(1, 9)}
    planted = JobFinding.objects.filter(kind="ineligible")
    assert planted.exists() and all("户类型为一般农户" in finding.reason for finding in planted)


@pytest.mark.parametrize(
    "role,code", [(User.Role.CITY, "621200"), (User.Role.COUNTY, "621226"), (User.Role.TOWNSHIP, "621226100")]
)
def test_the_report_paths_answer_the_office_of_their_region_with_the_marker(city, role, code):
    synthetic.populate(seed=7, scale=0.001)
    client = Client()
    client.force_login(make_user(role, code))
    paths = synthetic.report_paths(code, timezone.localdate())
    assert len(paths) == 3
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert synthetic.REPORT_MARKER in response.content.decode(), path


def test_the_months_paid_are_the_last_twelve_whole_months():
    months = synthetic._months(dt.date(2026, 12, 6))
    assert months[0] == dt.date(2025, 12, 1) and months[-1] == dt.date(2026, 11, 1) and len(months) == 12
