"""A name with a rare character is printed whole on the card.

欧阳𠮷华 and 王𪚥 (characters of CJK Extension B, which the card's main font, WenQuanYi Zen
Hei, does not have) live in 上坪村 with 欧阳䶮 (Extension A). Their card names each of them
with every character: the rare ones come from a second embedded font (fonts-hanazono),
never left out, which would print another person's name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest

from fangfan.engine.cards import pdf
from fangfan.engine.cards.card import card_for
from fangfan.engine.cards.catalogue import load_catalogue

from .test_cards_pdf import ISSUED, SIGNER

NAMES = ("欧阳𠮷华", "王𪚥", "欧阳䶮")
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def test_a_household_with_rare_characters_in_its_names_gets_every_character_printed(tmp_path: Path) -> None:
    household = {"household_id": "6212261002020007", "village_name": "上坪村", "head_name": NAMES[0]}
    members = [(NAMES[0], "户主"), (NAMES[1], "之妻"), (NAMES[2], "之子")]
    received = [
        {"key": "dibao", "name": "最低生活保障", "department": "民政", "member_name": name, "amount": 3000.0,
         "source": "民政·社会救助（社会救助.xlsx第9行）"}
        for name in NAMES
    ]  # fmt: skip
    out = BytesIO()
    pdf.write_cards(
        [card_for(household, members, received, load_catalogue(2026), ISSUED, SIGNER)],
        out,
        load_catalogue(2026),
    )
    path = tmp_path / "cards.pdf"
    path.write_bytes(out.getvalue())

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout

    compact = "".join(text.split())
    # Drawn from HanaMinB, not left out (before: 户主：欧阳华). ReportLab writes the PDF's text
    # layer (ToUnicode) in 16 bits, so a copied Extension B character comes out wrong (₻, ⩪):
    # the print is right, searching the PDF for the name is not.
    assert re.search(r"户主：欧阳\S华户编号", compact), compact[:80]
    assert re.search(r"欧阳\S华（户主）、王\S（之妻）、欧阳䶮（之子）", compact), compact[:200]
    assert "HanaMinB" in fonts and "WenQuanYiZenHei" in fonts  # both embedded (a subset each)
    assert all(line.split()[-4] == "yes" for line in fonts.splitlines()[2:]), fonts
