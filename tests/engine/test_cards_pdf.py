"""The printed cards: one A4 page each, the CJK font embedded, no missing glyph, the QR link signed.

The card of 孙桂兰 (上坪村, on 低保: ¥6,000 this year from 民政) is the one looked at; her
helper 刘海燕 is on the card with her phone, because the household is meant to call her.
A big household of twelve with every policy still prints on one page, drawn smaller.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from cast import SUN_GUILAN
from fangfan.engine.cards import pdf
from fangfan.engine.cards.card import card_for
from fangfan.engine.cards.catalogue import load_catalogue
from fangfan.engine.cards.signing import CardSigner, TokenError, read_token
from fangfan.engine.synth import names

ISSUED = dt.date(2026, 12, 6)
SECRET = "s" * 50
SIGNER = CardSigner(secret_key=SECRET, base_url="https://fangfan.example")
HELPER_PHONE = "13800001234"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _sun_card(**changes: object) -> object:
    household = {
        "household_id": "6212261002020001",
        "county_name": "礼县",
        "township_name": "城关镇",
        "village_name": "上坪村",
        "head_name": SUN_GUILAN.name,
        "household_type": "脱贫户",
        "helper_name": "刘海燕",
        "helper_phone": HELPER_PHONE,
        "measures": "兜底保障；健康帮扶",
        **changes,
    }
    received = [
        {
            "key": "dibao",
            "name": "最低生活保障",
            "department": "民政",
            "member_name": SUN_GUILAN.name,
            "amount": 6000.0,
            "source": "民政·社会救助（社会救助.xlsx第7行）",
        }
    ]
    return card_for(household, [(SUN_GUILAN.name, "户主")], received, load_catalogue(2026), ISSUED, SIGNER)


def _pdf(cards: list[object]) -> bytes:
    out = BytesIO()
    pdf.write_cards(cards, out, load_catalogue(2026))  # type: ignore[arg-type]
    return out.getvalue()


def _run(command: list[str], data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)
    return subprocess.run([*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


def test_every_character_of_generated_names_places_and_wording_has_a_glyph() -> None:
    font = pdf.register_font()
    characters = (
        set("".join(names.SURNAMES)) | set("".join(names.MALE_CHARS)) | set("".join(names.FEMALE_CHARS))
    )
    characters |= set("".join(names.VILLAGE_FIRST + names.VILLAGE_SECOND + names.VILLAGE_THIRD))
    regions = Path(pdf.__file__).parents[1] / "reference" / "longnan_regions.csv"
    with regions.open(encoding="utf-8") as handle:
        characters |= {character for row in csv.reader(handle) for cell in row for character in cell}
    for year in (2025, 2026):
        catalogue = load_catalogue(year)
        for policy in catalogue.policies:
            characters |= set(policy.name + policy.department + policy.wording)
        characters |= set(
            catalogue.title + catalogue.hotline_wording + catalogue.footer + catalogue.nothing_received
        )
    characters |= set("一二三四、家庭成员享受的帮扶政策责任人措施电话合计（有金额）发卡日期核验码元年度")
    missing = sorted(c for c in characters if not c.isspace() and ord(c) not in font.face.charToGlyph)
    assert len(characters) > 300
    assert missing == [], f"no glyph in {pdf.font_path().name} for {''.join(missing)}"


@needs_poppler
def test_card_page_shows_the_household_the_allowance_the_helper_and_the_hotline(tmp_path: Path) -> None:
    text = _run(["pdftotext", "-layout"], _pdf([_sun_card()]), tmp_path)
    for expected in ("2026年度帮扶政策明白卡", "孙桂兰（户主）", "最低生活保障（民政）", "6,000", "12317",
                     "刘海燕", HELPER_PHONE, "2026年12月06日", "社会救助.xlsx第7行"):  # fmt: skip
        assert expected in text, expected


@needs_poppler
def test_the_font_is_embedded_and_the_only_font(tmp_path: Path) -> None:
    listing = _run(["pdffonts"], _pdf([_sun_card(), _sun_card(household_id="6212261002020002")]), tmp_path)
    rows = listing.splitlines()[2:]
    assert rows and all("WenQuanYiZenHei" in row for row in rows), listing
    assert all(row.split()[-5] == "yes" for row in rows), "every font embedded"


@needs_poppler
def test_rendered_page_has_ink_where_the_title_is(tmp_path: Path) -> None:
    path = tmp_path / "card.pdf"
    path.write_bytes(_pdf([_sun_card()]))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-gray", str(path), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    width, height = image.size
    title = image.crop((width // 4, 0, 3 * width // 4, height // 10))
    margin = image.crop((0, height // 2, width // 20, height // 2 + 20))
    assert min(title.tobytes()) < 100, "the title is printed"
    assert min(margin.tobytes()) > 200, "the margin is left white"


@needs_poppler
def test_big_household_with_every_policy_still_prints_on_one_page(tmp_path: Path) -> None:
    catalogue = load_catalogue(2026)
    members = [(f"成员{number}", "其他") for number in range(12)]
    received = [
        {"key": p.key, "name": p.name, "department": p.department, "member_name": name,
         "amount": 1200.0 if p.key == "dibao" else None, "source": "国扶办系统·成员信息「是否享受低保」"}
        for p in catalogue.policies for name, _ in members
    ]  # fmt: skip
    big = card_for(
        {"household_id": "6212261002029999", "head_name": "成员0"},
        members,
        received,
        catalogue,
        ISSUED,
        SIGNER,
    )
    data = _pdf([big, _sun_card()])
    info = _run(["pdfinfo"], data, tmp_path)
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE), info
    assert "成员11" in _run(["pdftotext"], data, tmp_path)


def test_the_qr_link_verifies_and_a_changed_or_late_one_does_not() -> None:
    card = _sun_card()
    token = card.verify_url.removeprefix("https://fangfan.example/cards/verify/?t=")  # type: ignore[attr-defined]
    read = read_token(token, SECRET, today=ISSUED)
    assert (read.household_id, read.year, read.issued_on) == ("6212261002020001", 2026, ISSUED)
    forged = token.replace("6212261002020001", "6212261002020002")
    with pytest.raises(TokenError, match="链接被改动过") as refused:
        read_token(forged, SECRET, today=ISSUED)
    assert not refused.value.expired
    with pytest.raises(TokenError, match="过期") as late:
        read_token(token, SECRET, today=ISSUED + dt.timedelta(days=401))
    assert late.value.expired
    with pytest.raises(TokenError):
        read_token(token, "t" * 50, today=ISSUED)


@pytest.mark.skipif(
    shutil.which("zbarimg") is None and os.environ.get("CI") != "true", reason="zbar-tools not installed"
)
def test_the_printed_qr_code_reads_back_as_the_verification_link(tmp_path: Path) -> None:
    card = _sun_card()
    path = tmp_path / "card.pdf"
    path.write_bytes(_pdf([card]))
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    read = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == card.verify_url  # type: ignore[attr-defined]


def test_a_changed_card_has_another_digest() -> None:
    assert _sun_card().digest != _sun_card(household_id="6212261002020002").digest  # type: ignore[attr-defined]
