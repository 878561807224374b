"""Policy cards on the web: a household's card, a village's or township's batch, the public check.

The cast (礼县 城关镇, `make_regions`): 孙桂兰 of 上坪村 lives alone on 低保 (民政 pays her ¥500
a month since 2025-03-01); her helper 刘海燕's phone 13800001234 is printed on her card, her own
phone 13912340000 and ID number never are. 张德顺, also of 上坪村, receives nothing. 石桥村 has
one household of its own; 北关村 (武都区) one outside every 礼县 account's region.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cast import BEIGUAN, SHANGPING, SHIQIAO, SUN_GUILAN
from fangfan.engine import idnumber
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.cards.batch import cards_for
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import DepartmentRecord, Household, Member
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]
Role = User.Role
HELPER_PHONE, SUN_PHONE = "13800001234", "13912340000"
ZHANG_ID = idnumber.make("621226", dt.date(1970, 1, 8), 19)


def _member(household: Household, name: str, id_number: str, **fields: object) -> None:
    Member.objects.create(
        household=household,
        village_code=household.village_code,
        name=name,
        id_number=id_number,
        relation="户主",
        member_status="正常",
        last_run=current_run(),
        **fields,
    )


@pytest.fixture
def cast() -> dict[str, Household]:
    make_regions()
    run = current_run()
    run.policy_year = 2026
    run.save()
    sun = make_household(
        SHANGPING,
        1,
        head_name=SUN_GUILAN.name,
        head_id_number=SUN_GUILAN.id_number,
        household_type="脱贫户",
        county_name="礼县",
        township_name="城关镇",
        village_name="上坪村",
        phone=SUN_PHONE,
        helper_name="刘海燕",
        helper_phone=HELPER_PHONE,
        measures=f"兜底保障；其他（联系电话{SUN_PHONE}）",
        people=1,
    )
    _member(sun, SUN_GUILAN.name, SUN_GUILAN.id_number, dibao=True)
    DepartmentRecord.objects.create(
        snapshot_id=run.snapshot_id,
        feed="social_assistance",
        household=sun,
        village_code=SHANGPING,
        linked_id_number=SUN_GUILAN.id_number,
        id_as_written=SUN_GUILAN.id_number,
        name=SUN_GUILAN.name,
        data={
            "assistance_type": "低保",
            "start_date": "2025-03-01",
            "end_date": None,
            "monthly_amount": 500.0,
        },
        method="exact",
        source_file="社会救助.xlsx",
        source_row=7,
    )
    zhang = make_household(SHANGPING, 2, head_name="张德顺", household_type="一般农户")
    _member(zhang, "张德顺", ZHANG_ID)
    shiqiao = make_household(SHIQIAO, 1, head_name="石桥户")
    beiguan = make_household(BEIGUAN, 1, head_name="北关户")
    return {"sun": sun, "zhang": zhang, "shiqiao": shiqiao, "beiguan": beiguan}


def _client(role: str, region: str) -> Client:
    client = Client()
    client.force_login(make_user(role, region))
    return client


def _pdf_text(response: object, tmp_path: Path) -> str:
    path = tmp_path / "cards.pdf"
    path.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages
    return f"PAGES={pages.group(1)}\n" + re.sub(r"\s+", "", text)


def test_village_team_prints_her_card_with_allowance_and_helper_phone_but_not_her_numbers(
    cast: dict[str, Household], tmp_path: Path
) -> None:
    response = _client(Role.VILLAGE, SHANGPING).get(
        reverse("cards:household", args=[cast["sun"].household_id])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "2026%E5%B9%B4%E5%BA%A6" in response["Content-Disposition"]  # 2026年度
    text = _pdf_text(response, tmp_path)
    assert "PAGES=1" in text
    for shown in (
        "孙桂兰（户主）",
        "最低生活保障（民政）",
        "6,000",
        "刘海燕",
        HELPER_PHONE,
        "12317",
        "社会救助.xlsx第7行",
    ):
        assert shown in text, shown
    assert SUN_GUILAN.id_number not in text
    assert SUN_PHONE not in text, "her phone, even written into 帮扶措施, stays off the card"


def test_township_prints_every_household_of_a_village_or_of_itself_one_page_each(
    cast: dict[str, Household], tmp_path: Path
) -> None:
    """A village prints at once; the township's batch goes to the worker (test_cards_batches)."""
    from fangfan.web.cards.background import region_households
    from fangfan.web.cards.batch import cards_response

    township = _client(Role.TOWNSHIP, "621226100")
    village = township.get(reverse("cards:region", args=[SHANGPING]))
    assert village.status_code == 200 and "PAGES=2" in _pdf_text(village, tmp_path)
    offered = township.get(reverse("cards:region", args=["621226100"])).content.decode()
    assert "城关镇共 3 户" in offered and reverse("cards:batch_new", args=["621226100"]) in offered
    user, region = User.objects.get(role=Role.TOWNSHIP), Region.objects.get(code="621226100")
    whole = cards_response(user, "城关镇", list(region_households(region, user)))
    text = _pdf_text(whole, tmp_path)
    assert "PAGES=3" in text and "石桥户" in text and "北关户" not in text
    assert "本年度数据中暂无享受的帮扶政策记录" in text  # 张德顺 and 石桥户


def test_cards_outside_the_region_are_not_found(cast: dict[str, Household]) -> None:
    shiqiao = _client(Role.VILLAGE, SHIQIAO)
    assert shiqiao.get(reverse("cards:household", args=[cast["sun"].household_id])).status_code == 404
    assert shiqiao.get(reverse("cards:region", args=[SHANGPING])).status_code == 404
    county = _client(Role.COUNTY, "621226")
    assert county.get(reverse("cards:region", args=[BEIGUAN])).status_code == 404
    assert county.get(reverse("cards:region", args=["621226"])).status_code == 404, "a county: by township"


def test_department_clerks_and_strangers_get_no_card_and_a_post_is_refused(
    cast: dict[str, Household],
) -> None:
    url = reverse("cards:household", args=[cast["sun"].household_id])
    assert _client(Role.DEPARTMENT, "621226").get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert _client(Role.VILLAGE, SHANGPING).post(url).status_code == 405


def test_household_page_links_its_card_and_the_village_page_its_batch(cast: dict[str, Household]) -> None:
    client = _client(Role.VILLAGE, SHANGPING)
    page = client.get(reverse("registry:household", args=[cast["sun"].household_id])).content.decode()
    assert reverse("cards:household", args=[cast["sun"].household_id]) in page
    region = client.get(reverse("registry:region", args=[SHANGPING])).content.decode()
    assert reverse("cards:region", args=[SHANGPING]) in region


def _token(household: Household) -> str:
    [card], _ = cards_for([household])
    return card.verify_url.split("?t=", 1)[1]


def test_the_qr_code_opens_a_public_page_that_says_genuine_and_current_with_a_masked_summary(
    cast: dict[str, Household],
) -> None:
    response = Client().get(reverse("cards:verify"), {"t": _token(cast["sun"])})
    page = response.content.decode()
    assert response.status_code == 200
    for shown in (
        "本卡由本系统签发",
        "卡上所列政策与当前数据一致",
        "孙**",
        "上坪村",
        "最低生活保障",
        "2026年度",
    ):
        assert shown in page, shown
    for hidden in (SUN_GUILAN.id_number, SUN_PHONE, HELPER_PHONE, "6,000", "6000", SUN_GUILAN.name):
        assert hidden not in page, hidden


def test_a_card_whose_policies_changed_since_is_called_outdated(cast: dict[str, Household]) -> None:
    token = _token(cast["sun"])
    DepartmentRecord.objects.update(
        data={"assistance_type": "低保", "start_date": "2025-03-01", "monthly_amount": 550.0}
    )
    page = Client().get(reverse("cards:verify"), {"t": token}).content.decode()
    assert "本卡签发后该户的政策数据已有变化" in page


def test_forged_and_expired_links_get_a_clear_chinese_page(cast: dict[str, Household]) -> None:
    token = _token(cast["sun"])
    forged = token.replace(cast["sun"].household_id, cast["zhang"].household_id)
    page = Client().get(reverse("cards:verify"), {"t": forged})
    assert page.status_code == 200 and "核验未通过" in page.content.decode()
    assert "不是本系统签发" in Client().get(reverse("cards:verify"), {"t": "abc"}).content.decode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "fangfan.web.cards.verification.timezone.localdate",
            lambda: dt.date.today() + dt.timedelta(days=800),
        )
        late = Client().get(reverse("cards:verify"), {"t": token}).content.decode()
    assert "本卡已过期" in late and "索取新卡" in late


def test_the_verification_page_is_rate_limited_per_address(cast: dict[str, Household]) -> None:
    client = Client()
    for _ in range(60):
        assert client.get(reverse("cards:verify"), {"t": "abc"}).status_code == 200
    assert client.get(reverse("cards:verify"), {"t": "abc"}).status_code == 429


def test_a_server_without_the_cjk_font_says_which_package_to_install(
    cast: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.engine.cards.pdf import FontMissing

    def missing(*args: object, **kwargs: object) -> int:
        raise FontMissing("未找到可嵌入 PDF 的中文字体：请安装 Debian 软件包 fonts-wqy-zenhei")

    monkeypatch.setattr("fangfan.web.cards.batch.write_cards", missing)
    response = _client(Role.VILLAGE, SHANGPING).get(
        reverse("cards:household", args=[cast["sun"].household_id])
    )
    assert response.status_code == 503
    assert (
        "fonts-wqy-zenhei" in response.content.decode() and "暂时不能打印明白卡" in response.content.decode()
    )


def test_a_card_for_a_year_without_a_catalogue_is_not_found_not_a_server_error(
    cast: dict[str, Household],
) -> None:
    client = _client(Role.VILLAGE, SHANGPING)
    url = reverse("cards:household", args=[cast["sun"].household_id])
    for year in ("1999", "3000", "20x6"):
        response = client.get(url, {"year": year})
        assert response.status_code == 404, year
        assert "policies/" not in response.content.decode()
    assert client.get(url, {"year": "2026"}).status_code == 200
