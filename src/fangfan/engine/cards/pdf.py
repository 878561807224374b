"""Cards printed to PDF with ReportLab: A4, one card per page, a batch in one file.

ReportLab embeds (a subset of) a TrueType-outline font; Debian's Noto CJK is CFF-outline
OpenType, which it cannot embed, so the card uses WenQuanYi Zen Hei (fonts-wqy-zenhei),
or another TrueType CJK font from `FONT_CANDIDATES`. Why ReportLab and not WeasyPrint:
docs/cards.md (a township's 3,000 cards in well under a minute).

The page is drawn straight on the canvas (text wrapped a character at a time, widths
cached): ReportLab's flowables (Paragraph, Table, KeepInFrame) cost ten times as much per
card. A card that would not fit is drawn smaller (`SCALES`), so a card is always one page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRCode, QRErrorCorrectLevel
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from fangfan.engine.cards.card import Card, CardLine
from fangfan.engine.cards.catalogue import Catalogue
from fangfan.engine.formatting import money_text
from fangfan.engine.progress import Progress, SilentProgress

FONT = "CardCJK"
# TrueType-outline CJK fonts from Debian packages, first found wins (path, index in a .ttc).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),  # fonts-arphic-ukai
)
# Characters the main font lacks (names with rare characters of CJK Extension B and beyond,
# such as 𠮷 or 𪚥) are drawn from these TrueType fonts, the first that has them
# (fonts-hanazono); a name is never printed with a character silently left out.
FALLBACK_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("CardCJKRareB", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
    ("CardCJKRareA", "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
)
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
QR_SIZE = 32 * mm
QR_QUIET_MODULES = 2
FOOTER_HEIGHT = 44 * mm
# Column widths of the policy table: policy, who, amount, wording and source.
COLUMNS = (38 * mm, 32 * mm, 28 * mm, WIDTH - 98 * mm)
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42, 0.35)
PAD = 1.6 * mm
GREY = (0.35, 0.35, 0.35)
TASK = "打印明白卡"


class FontMissing(RuntimeError):
    """No TrueType CJK font is installed; the message says which Debian package to install."""


def font_path() -> Path:
    """The CJK font file the cards embed."""
    for path, _ in FONT_CANDIDATES:
        if Path(path).exists():
            return Path(path)
    raise FontMissing(
        "未找到可嵌入 PDF 的中文字体：请安装 Debian 软件包 fonts-wqy-zenhei"
        "（apt-get install fonts-wqy-zenhei）"
    )


@cache
def register_font() -> TTFont:
    path = font_path()
    font = TTFont(FONT, str(path), subfontIndex=dict(FONT_CANDIDATES)[str(path)])
    pdfmetrics.registerFont(font)
    return font


@cache
def _fallbacks() -> tuple[tuple[str, TTFont], ...]:
    """The installed fallback fonts, registered on the first character the main font lacks."""
    found = []
    for name, path in FALLBACK_CANDIDATES:
        if Path(path).exists():
            font = TTFont(name, path)
            pdfmetrics.registerFont(font)
            found.append((name, font))
    return tuple(found)


@cache
def font_of(character: str) -> str:
    """The font a character is drawn in: the main one, or a fallback that has it."""
    if ord(character) in register_font().face.charToGlyph or character in "\n\t ":
        return FONT
    for name, font in _fallbacks():
        if ord(character) in font.face.charToGlyph:
            return name
    return FONT


@cache
def _em(character: str) -> float:
    """A character's advance at size 1."""
    return float(pdfmetrics.getFont(font_of(character)).stringWidth(character, 1))


def draw(canvas: Canvas, x: float, y: float, text: str, size: float, align: str = "left") -> None:
    """`text` at (x, y), left-aligned, centred ("centre") or right-aligned ("right"), each
    run of characters in the font that has them."""
    if all(font_of(character) == FONT for character in text):  # nearly every line: one font
        canvas.setFont(FONT, size)
        if align == "left":
            canvas.drawString(x, y, text)
        elif align == "centre":
            canvas.drawCentredString(x, y, text)
        else:
            canvas.drawRightString(x, y, text)
        return
    runs = [(font, "".join(run)) for font, run in itertools.groupby(text, key=font_of)]
    if align != "left":
        x -= text_width(text, size) / (2 if align == "centre" else 1)
    for font, run in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += text_width(run, size)


def text_width(text: str, size: float) -> float:
    return sum(_em(character) for character in text) * size


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` broken into lines no wider than `width`, between any two characters (Chinese
    has no spaces); explicit newlines kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for character in paragraph:
            advance = _em(character) * size
            if line and used + advance > width:
                lines.append(line)
                line, used = "", 0.0
            line += character
            used += advance
        lines.append(line)
    return lines


def write_cards(
    cards: Iterable[Card],
    out: IO[bytes],
    catalogue: Catalogue,
    total: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write `cards` to `out` as one PDF, one A4 page each; the number written."""
    progress = progress or SilentProgress()
    register_font()
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=FONT, initialFontSize=10.5)
    canvas.setTitle(f"{catalogue.year}年度{catalogue.title}")
    canvas.setAuthor("防返")
    canvas.setSubject(catalogue.title)
    canvas.setCreator("fangfan")
    progress.start(TASK, total)
    count = 0
    for card in cards:
        _draw_card(canvas, card, catalogue)
        canvas.showPage()
        count += 1
        progress.advance(TASK)
    if not count:
        canvas.setFont(FONT, 12)
        draw(canvas, MARGIN, PAGE_HEIGHT - MARGIN - 12, "没有要打印的明白卡（所选地区没有农户）", 12)
        canvas.showPage()
    canvas.save()
    progress.finish(TASK)
    return count


@dataclass(frozen=True)
class _Row:
    cells: tuple[tuple[tuple[str, float, bool], ...], ...]  # per column: (text, size, grey) pieces
    header: bool = False


class _Pen:
    """Draws (or, with draw False, only measures) the body of a card from the top down."""

    def __init__(self, canvas: Canvas, scale: float, draw: bool) -> None:
        self.canvas, self.scale, self.draw = canvas, scale, draw
        self.y = PAGE_HEIGHT - MARGIN

    def size(self, points: float) -> float:
        return points * self.scale

    def text(self, text: str, points: float, centred: bool = False, before: float = 0.0) -> None:
        size = self.size(points)
        self.y -= self.size(before)
        for line in wrap(text, size, WIDTH):
            self.y -= size * 1.35
            if self.draw:
                self.canvas.setFont(FONT, size)
                if centred:
                    draw(self.canvas, PAGE_WIDTH / 2, self.y + size * 0.3, line, size, "centre")
                else:
                    draw(self.canvas, MARGIN, self.y + size * 0.3, line, size)

    def table(self, rows: Sequence[_Row]) -> None:
        for row in rows:
            wrapped = [
                [
                    (line, size * self.scale, grey)
                    for text, size, grey in cell
                    for line in wrap(text, size * self.scale, width - 2 * PAD)
                ]
                for cell, width in zip(row.cells, COLUMNS, strict=True)
            ]
            height = max(sum(size * 1.3 for _, size, _ in cell) for cell in wrapped) + 2 * PAD
            top = self.y
            self.y -= height
            if not self.draw:
                continue
            canvas = self.canvas
            if row.header:
                canvas.setFillGray(0.9)
                canvas.rect(MARGIN, self.y, WIDTH, height, stroke=0, fill=1)
            canvas.setLineWidth(0.5)
            canvas.setStrokeGray(0)
            canvas.rect(MARGIN, self.y, WIDTH, height, stroke=1, fill=0)
            x = MARGIN
            for number, (cell, width) in enumerate(zip(wrapped, COLUMNS, strict=True)):
                if number:
                    canvas.line(x, self.y, x, top)
                line_y = top - PAD
                for line, size, grey in cell:
                    line_y -= size * 1.3
                    canvas.setFillColorRGB(*(GREY if grey else (0, 0, 0)))
                    canvas.setFont(FONT, size)
                    if number == 2 and not row.header:
                        draw(canvas, x + width - PAD, line_y + size * 0.3, line, size, "right")
                    else:
                        draw(canvas, x + PAD, line_y + size * 0.3, line, size)
                x += width
            canvas.setFillGray(0)


def _draw_card(canvas: Canvas, card: Card, catalogue: Catalogue) -> None:
    room = PAGE_HEIGHT - 2 * MARGIN - FOOTER_HEIGHT - 4 * mm
    for scale in SCALES:
        pen = _Pen(canvas, scale, draw=False)
        _body(pen, card, catalogue)
        if PAGE_HEIGHT - MARGIN - pen.y <= room:
            break
    _body(_Pen(canvas, scale, draw=True), card, catalogue)
    _footer(canvas, card, catalogue)


def _body(pen: _Pen, card: Card, catalogue: Catalogue) -> None:
    pen.text(f"{card.year}年度{catalogue.title}", 20, centred=True)
    pen.text(
        f"{card.place}　户主：{card.head_name}　户编号：{card.household_id}　{card.household_type}",
        10.5,
        centred=True,
        before=2,
    )
    members = "、".join(f"{name}（{relation}）" if relation else name for name, relation in card.members)
    pen.text("一、家庭成员", 12.5, before=8)
    pen.text(members or "（无在册成员）", 10.5, before=2)
    pen.text(f"二、{card.year}年度享受的帮扶政策", 12.5, before=8)
    pen.y -= pen.size(4)
    if card.lines:
        pen.table(_policy_rows(card.lines))
    else:
        pen.text(catalogue.nothing_received, 10.5)
    helper = (
        f"{card.helper_name}　电话：{card.helper_phone or '（未填写）'}" if card.helper_name else "（未填写）"
    )
    pen.text("三、帮扶责任人", 12.5, before=8)
    pen.text(helper, 10.5, before=2)
    pen.text("四、帮扶措施", 12.5, before=8)
    pen.text("、".join(card.measures) or "（未填写）", 10.5, before=2)


def _grouped(lines: Sequence[CardLine]) -> list[tuple[CardLine, str, float | None, str]]:
    """Rows of the table: a line with an amount on its own; the lines of a policy without
    amounts together (members joined)."""
    rows: list[tuple[CardLine, str, float | None, str]] = []
    by_key: dict[str, list[CardLine]] = {}
    for line in lines:
        by_key.setdefault(line.key, []).append(line)
    for same in by_key.values():
        for line in same:
            if line.amount is not None:
                rows.append((line, line.member_name or "全户", line.amount, line.source))
        unpaid = [line for line in same if line.amount is None]
        if unpaid:
            members = "、".join(dict.fromkeys(line.member_name or "全户" for line in unpaid))
            sources = "；".join(dict.fromkeys(part for line in unpaid for part in line.source.split("；")))
            rows.append((unpaid[0], members, None, sources))
    return rows


def _policy_rows(lines: Sequence[CardLine]) -> list[_Row]:
    headers = ("政策（主管部门）", "享受人员", "金额（元/年）", "政策说明与数据来源")
    rows = [_Row(tuple(((header, 9.5, False),) for header in headers), header=True)]
    total = 0.0
    for line, members, amount, source in _grouped(lines):
        total += amount or 0.0
        rows.append(
            _Row(
                (
                    ((f"{line.name}（{line.department}）", 9.5, False),),
                    ((members, 9.5, False),),
                    ((money_text(amount, "") if amount is not None else "享受", 9.5, False),),
                    ((line.wording, 8.5, False), (f"来源：{source}", 7, True)),
                )
            )
        )
    if not total:
        return rows
    rows.append(
        _Row(
            (
                (("合计（有金额的政策）", 9.5, False),),
                (("", 9.5, False),),
                ((money_text(total, ""), 9.5, False),),
                (("", 7, False),),
            )
        )
    )
    return rows


def _footer(canvas: Canvas, card: Card, catalogue: Catalogue) -> None:
    bottom = MARGIN
    canvas.setLineWidth(1)
    canvas.setStrokeGray(0)
    canvas.rect(MARGIN, bottom, WIDTH, FOOTER_HEIGHT, stroke=1, fill=0)
    text_width_available = WIDTH - QR_SIZE - 10 * mm
    y = bottom + FOOTER_HEIGHT - 4 * mm
    pieces = (
        (catalogue.hotline_wording or f"咨询热线 {catalogue.hotline}", 12.5, False),
        (f"发卡日期：{card.issued_on:%Y年%m月%d日}　核验码：{card.digest}", 10.5, False),
        (catalogue.footer, 8, True),
    )
    for text, size, grey in pieces:
        canvas.setFont(FONT, size)
        canvas.setFillColorRGB(*(GREY if grey else (0, 0, 0)))
        for line in wrap(text, size, text_width_available):
            y -= size * 1.45
            draw(canvas, MARGIN + 4 * mm, y, line, size)
        y -= 2 * mm
    canvas.setFillGray(0)
    if card.verify_url:
        left = MARGIN + WIDTH - QR_SIZE - 4 * mm
        _draw_qr(canvas, card.verify_url, left, bottom + 8 * mm, QR_SIZE)
        canvas.setFont(FONT, 7.5)
        draw(canvas, left + QR_SIZE / 2, bottom + 4 * mm, catalogue.verify_wording, 7.5, "centre")


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of `text` (error correction M). ReportLab's widget tries all eight mask
    patterns and builds a shape per run, 0.2 s a card; any mask pattern reads, so the
    first is used and the modules are drawn as one path."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(QR8bitByte(text))
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return code.modules  # type: ignore[no-any-return]


def _draw_qr(canvas: Canvas, text: str, left: float, bottom: float, size: float) -> None:
    modules = qr_modules(text)
    box = size / (len(modules) + 2 * QR_QUIET_MODULES)
    path = canvas.beginPath()
    for row_number, row in enumerate(modules):
        y = bottom + size - (row_number + QR_QUIET_MODULES + 1) * box
        column = 0
        for dark, run in itertools.groupby(row):
            length = len(list(run))
            if dark:
                path.rect(left + (column + QR_QUIET_MODULES) * box, y, length * box, box)
            column += length
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
