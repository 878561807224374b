"""A number that slipped into a name or a file name is printed masked on the card.

上坪村's department feed had a column shifted: 孙桂兰's member record reads
"孙桂兰<her ID number>", and the social-assistance file the clerk uploaded is named with her
phone. The card prints her name and the source with both numbers masked (the helper's
phone, printed on purpose, stays whole).
"""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest

from cast import SUN_GUILAN
from fangfan.engine.cards import pdf
from fangfan.engine.cards.card import card_for
from fangfan.engine.cards.catalogue import load_catalogue

from .test_cards_pdf import HELPER_PHONE, ISSUED, SIGNER

SUN_PHONE = "13912340000"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def test_an_id_or_phone_inside_a_name_or_a_source_is_printed_masked(tmp_path: Path) -> None:
    shifted = f"{SUN_GUILAN.name}{SUN_GUILAN.id_number}"
    household = {
        "household_id": "6212261002020001",
        "village_name": "上坪村",
        "head_name": shifted,
        "helper_name": "刘海燕",
        "helper_phone": HELPER_PHONE,
    }
    received = [
        {"key": "dibao", "name": "最低生活保障", "department": "民政", "member_name": shifted,
         "amount": 6000.0, "source": f"民政·社会救助（孙桂兰{SUN_PHONE}.xlsx第7行）"}
    ]  # fmt: skip
    card = card_for(household, [(shifted, "户主")], received, load_catalogue(2026), ISSUED, SIGNER)
    out = BytesIO()
    pdf.write_cards([card], out, load_catalogue(2026))
    path = tmp_path / "cards.pdf"
    path.write_bytes(out.getvalue())

    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )

    assert SUN_GUILAN.id_number not in text and SUN_PHONE not in text
    assert f"{SUN_GUILAN.name}{SUN_GUILAN.id_number[:6]}" in text and "139****0000" in text
    assert HELPER_PHONE in text
