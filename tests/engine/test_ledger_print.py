"""A county ledger as it comes out of the printer: LibreOffice headless to PDF, then read.

Needs `soffice` (libreoffice-calc-nogui) and `pdftotext`/`pdftoppm` (poppler-utils);
.ci/run installs them. Without them the test skips locally, with the reason, and fails
in CI (`CI=true`). The first page of the township sheet is kept as a PNG in
var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.ledger import prepare_ledger_rows, write_ledgers

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# 张建国's household in 石桥村: he cannot always have meat, eggs or milk (a veto item),
# and his income finding carries a message much longer than its column is wide.
LONG_MESSAGE = (
    "家庭人均纯收入4652元，低于2025年度防止返贫监测标准8700元，且家中有慢性病患者长期服药，"
    "合规自付医疗费用较高，请入户核实收入构成并确认是否纳入监测对象，核实结果报乡镇复核"
)
FINDINGS = pl.DataFrame(
    {
        "run_id": ["r1", "r1"],
        "household_id": ["H1", "H1"],
        "id_number": pl.Series([None, None], dtype=pl.String),
        "village_code": ["621226100201", "621226100201"],
        "rule_code": ["FOOD-002", "INC-001"],
        "category": ["FOOD_CLOTHING", "INCOME"],
        "veto": [True, False],
        "severity": ["high", "medium"],
        "message": ["不能随时吃肉蛋奶或豆制品", LONG_MESSAGE],
        "evidence": [
            '{"随时能吃肉蛋奶或豆制品": {"value": "否", "source": "户信息"}}',
            '{"人均纯收入(按分项重算)": {"value": 4652.0, "source": "计算"},'
            ' "合规自付医疗费用(收入年度合计)": {"value": 12345.5, "source": "医保结算"}}',
        ],
    }
)
HOUSEHOLDS = pl.DataFrame({"household_id": ["H1"], "head_name": ["张建国"], "household_type": ["脱贫户"]})
MEMBERS = pl.DataFrame({"household_id": ["H1"], "id_number": ["621226196001011234"], "name": ["张建国"]})
VILLAGES = pl.DataFrame({"village_code": ["621226100201"], "village_name": ["石桥村"]})


def _tools() -> None:
    missing = [tool for tool in ("soffice", "pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        reason = f"缺少 {'、'.join(missing)}（apt-get install libreoffice-calc-nogui poppler-utils）"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI 中缺少打印检查工具，不能跳过。{reason}")
        pytest.skip(reason)


def _column_text(pdf: Path, page: int, header: str, next_header: str) -> str:
    """The text printed under `header` on `page`, down to the column of `next_header`."""
    words = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    left = {
        word: float(x)
        for x, word in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', words)
        if word in (header, next_header)
    }
    crop = [str(int(left[header]) - 1), "0", str(int(left[next_header] - left[header])), "2000"]
    command = ["pdftotext", "-f", str(page), "-l", str(page), "-x", crop[0], "-y", crop[1]]
    command += ["-W", crop[2], "-H", crop[3], str(pdf), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _printed(tmp_path: Path) -> tuple[str, Path]:
    rows = prepare_ledger_rows(FINDINGS, HOUSEHOLDS, MEMBERS, VILLAGES)
    (ledger,) = write_ledgers(rows, tmp_path / "ledgers")
    profile = (tmp_path / "profile").as_uri()  # its own profile: runs beside another soffice
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    subprocess.run(
        [*command, "--outdir", str(tmp_path), str(ledger.path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / f"{ledger.path.stem}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text, pdf


@pytest.mark.slow
def test_a_printed_ledger_shows_the_whole_long_message_and_evidence_in_words(tmp_path: Path) -> None:
    _tools()
    text, pdf = _printed(tmp_path)
    messages = re.sub(r"\s+", "", _column_text(pdf, 2, "问题", "依据数据"))
    evidence = re.sub(r"\s+", "", _column_text(pdf, 2, "依据数据", "整改责任人"))

    assert LONG_MESSAGE in messages  # wrapped over lines, not cut at the column's edge
    assert "随时能吃肉蛋奶或豆制品：否（国扶办·户信息）" in evidence
    assert "人均纯收入(按分项重算)：4,652元（计算）" in evidence
    assert "合规自付医疗费用(收入年度合计)：12,345.50元（医保结算）" in evidence
    assert '{"value"' not in text and "4652.0" not in text

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / "ledger_printed_page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "2", "-l", "2", "-singlefile", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
    )
    assert prefix.with_suffix(".png").stat().st_size > 0
