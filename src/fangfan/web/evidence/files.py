"""What an uploaded proof file is, by its content, and the clean copy that is kept.

Only JPEG, PNG and PDF are accepted, whatever the file's name or Content-Type says. A
photo is decoded by Pillow (refused above `max_pixels`: a decompression bomb), turned
upright, shrunk to `MAX_SIDE` pixels on its long side and re-encoded from its pixels
alone: no EXIF (GPS, camera, owner), no ICC profile, no comments or text chunks. Only the
date taken (EXIF DateTimeOriginal) is read first and kept beside the file. A PDF must
begin with ``%PDF-``, end with ``%%EOF`` and name no script, embedded file, launch
action or rich media, in its raw bytes or in any Flate-compressed stream (names written
with ``#xx`` escapes are decoded first). A PDF is kept as it arrived; it is never
rendered by the server.

>>> check_file("照片.jpg", b"<svg onload=alert(1)>", max_bytes=10_000_000, max_pixels=50_000_000)
Traceback (most recent call last):
...
fangfan.web.evidence.files.Refused: 文件“照片.jpg”按内容是SVG图形，不是照片（JPG、PNG）或PDF，未保存。
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import re
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fangfan.web.accounts.personal import mask_text

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
MAX_SIDE = 4096  # a phone photo's long side is kept up to this many pixels (a page stays legible)
JPEG_QUALITY = 85
PDF_INFLATED_LIMIT = 200 * 1024 * 1024  # the most a PDF's streams may inflate to while being checked
# Names a PDF uses to run something or carry another file; `/OpenAction` alone only sets
# the first view (Word and WPS write it), so it is not refused.
PDF_ACTIVE: dict[bytes, str] = {
    b"JavaScript": "脚本（JavaScript）",
    b"JS": "脚本（JavaScript）",
    b"EmbeddedFile": "嵌入的文件",
    b"EmbeddedFiles": "嵌入的文件",
    b"Launch": "启动外部程序的动作",
    b"RichMedia": "多媒体内容",
}
_LONGEST_FIRST: list[bytes] = sorted(PDF_ACTIVE, key=len, reverse=True)
_PDF_NAME = re.compile(rb"/(" + b"|".join(_LONGEST_FIRST) + rb")(?![A-Za-z0-9])")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
EXIF_IFD, DATE_TIME_ORIGINAL = 0x8769, 0x9003
LONG_DIGITS = re.compile(r"\d[\dXx]{10,}")


class Refused(ValueError):
    """The file cannot be kept; the message (Chinese) names the file and says why."""


@dataclass(frozen=True)
class Checked:
    """A file that passed: the bytes to keep, their type, and the photo's date taken."""

    content: bytes
    content_type: str
    taken_at: dt.datetime | None = None  # as the camera wrote it (local time, no zone)
    width: int | None = None
    height: int | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def shown_name(name: str) -> str:
    """A file name as messages show it: ID and phone numbers masked, even run together."""
    masked = mask_text(name or "未命名文件")
    return LONG_DIGITS.sub(
        lambda match: match.group()[:3] + "*" * (len(match.group()) - 7) + match.group()[-4:], masked
    )


def check_file(name: str, data: bytes, *, max_bytes: int, max_pixels: int) -> Checked:
    """The clean copy of an uploaded file, or `Refused` with the reason."""
    shown = shown_name(name)
    if not data:
        raise Refused(f"文件“{shown}”是空的，未保存。")
    if len(data) > max_bytes:
        raise Refused(f"文件“{shown}”有{size_text(len(data))}，超过{size_text(max_bytes)}的上限，未保存。")
    kind = sniff(data)
    if kind in (JPEG, PNG):
        return _clean_image(shown, data, kind, max_pixels)
    if kind == PDF:
        return _check_pdf(shown, data)
    advice = "请在手机“设置→相机→格式”中选“兼容性最佳”后重拍，或截图后上传。" if kind == "HEIC照片" else ""
    raise Refused(f"文件“{shown}”按内容是{kind}，不是照片（JPG、PNG）或PDF，未保存。{advice}")


def sniff(data: bytes) -> str:
    """The file's type by its first bytes: a MIME type we keep, or a Chinese name of what it is."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for signature, what in (
        (b"mz", "Windows程序（.exe）"),
        (b"\x7felf", "Linux程序"),
        (b"pk\x03\x04", "压缩包或Office文档"),
        (b"gif8", "GIF动图"),
        (b"bm", "BMP图片"),
    ):
        if head.startswith(signature):
            return what
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypheif"):
        return "HEIC照片"
    if head.startswith(b"riff") and head[8:12] == b"webp":
        return "WebP图片"
    if b"<svg" in head:
        return "SVG图形"
    if head.startswith((b"<!doctype", b"<html", b"<")):
        return "网页（HTML）"
    return "无法识别的内容"


def size_text(size: int) -> str:
    """A file size as people read it: 2.4 MB, 980 KB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def _clean_image(shown: str, data: bytes, kind: str, max_pixels: int) -> Checked:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a corrupt EXIF block: its date is lost, not the photo
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise Refused(
                    f"照片“{shown}”有{width}×{height}像素，超过{max_pixels // 1_000_000}百万像素的上限"
                    "（可能是恶意构造的“解压炸弹”），未保存。"
                )
            taken_at = _taken_at(image)
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Refused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused(f"照片“{shown}”像素过多（可能是恶意构造的“解压炸弹”），未保存。") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise Refused(f"照片“{shown}”已损坏或不完整，打不开，未保存。") from None
    return _reencoded(upright, kind, taken_at)


def _reencoded(image: Image.Image, kind: str, taken_at: dt.datetime | None) -> Checked:
    """The pixels alone, saved anew: nothing of the original's metadata is carried over."""
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == JPEG and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if kind == PNG and image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA")
    clean = image.copy()
    clean.info = {}  # ICC profile, comments, text chunks, dpi: the encoders read them from here
    output = io.BytesIO()
    if kind == JPEG:
        clean.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(output, "PNG", optimize=True)
    return Checked(output.getvalue(), kind, taken_at, clean.width, clean.height)


def _taken_at(image: Image.Image) -> dt.datetime | None:
    """EXIF DateTimeOriginal ("2026:10:30 14:05:09"), None when absent or unreadable."""
    try:
        raw = image.getexif().get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL)
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw or "")
        return dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except Exception:  # a broken EXIF block only loses the date, never the photo
        return None


def _check_pdf(shown: str, data: bytes) -> Checked:
    if b"%%EOF" not in data[-2048:]:
        raise Refused(f"PDF“{shown}”不完整（缺少文件结尾），请重新导出或扫描后上传，未保存。")
    found = sorted({PDF_ACTIVE[name] for name in _pdf_names(shown, data)})
    if found:
        raise Refused(
            f"PDF“{shown}”含有{'、'.join(found)}，出于安全考虑不能上传；请打印后扫描，或另存为普通PDF后再上传。"
        )
    return Checked(data, PDF)


def _pdf_names(shown: str, data: bytes) -> set[bytes]:
    """The active names (PDF_ACTIVE) in the raw bytes and in every stream's decoded bytes."""
    found: set[bytes] = set()
    for chunk in (data, *_decoded_streams(shown, data)):
        decoded = _PDF_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), chunk)
        found |= {match.group(1) for match in _PDF_NAME.finditer(decoded)}
    return found


PREDICTED_LIMIT = 2 * 1024 * 1024  # the most a stream's predictor rows are undone for
# A stream's dictionary is read from the bytes before `stream` (after the last `obj`).
_STREAM_HEAD = 4096
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_FILTER_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z0-9])")
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![A-Za-z0-9])")
_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9])")
FILTER_ALIASES = {b"AHx": b"ASCIIHexDecode", b"A85": b"ASCII85Decode", b"Fl": b"FlateDecode"}
FILTER_ALIASES |= {b"LZW": b"LZWDecode", b"RL": b"RunLengthDecode", b"DCT": b"DCTDecode"}
FILTER_ALIASES |= {b"CCF": b"CCITTFaxDecode"}
# Image data from here on: nothing a reader parses for objects (its raw bytes are scanned anyway).
IMAGE_FILTERS = frozenset({b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode"})


class _Budget:
    """How many more bytes the file's streams may decode to while being checked."""

    def __init__(self, shown: str) -> None:
        self.shown, self.left = shown, PDF_INFLATED_LIMIT

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Refused(f"PDF“{self.shown}”解压后内容过大，无法检查，未保存。")


def _decoded_streams(shown: str, data: bytes) -> list[bytes]:
    """Every stream decoded through its filters (ASCIIHex, ASCII85, Flate with its predictor),
    so a name hidden in an object stream behind any chain of them is seen. An object stream
    behind a filter we cannot decode (LZW, RunLength, Crypt) or encrypted is refused: what
    it holds cannot be checked."""
    budget, streams = _Budget(shown), []
    encrypted = _ENCRYPT.search(data) is not None
    for match in _PDF_STREAM.finditer(data):
        head = data[max(0, match.start() - _STREAM_HEAD) : match.start()]
        head = _PDF_ESCAPE.sub(lambda found: bytes([int(found.group(1), 16)]), head.rsplit(b" obj", 1)[-1])
        objects = _OBJECT_STREAM.search(head) is not None
        if objects and encrypted:
            raise Refused(
                f"PDF“{shown}”已加密，其中的内容无法检查，出于安全考虑不能上传；请另存为未加密的PDF，或打印后扫描再上传。"
            )
        filters = next(reversed(list(_FILTER.finditer(head))), None)  # this stream's, the last
        if filters is None:  # a raw stream, or a dictionary we did not find: try Flate as before
            inflated = _inflate(match.group(1), budget)
            if inflated:
                streams.append(inflated)
            continue
        content: bytes | None = match.group(1)
        for name in _FILTER_NAME.findall(filters.group(1)):
            name = FILTER_ALIASES.get(name, name)
            if name in IMAGE_FILTERS or content is None:
                break
            if name == b"ASCIIHexDecode":
                content = _ascii_hex(content)
            elif name == b"ASCII85Decode":
                content = _ascii_85(content)
            elif name == b"FlateDecode":
                content = _inflate(content, budget)
                # A picture's pixel rows hold no names; rows are undone in Python, so only up to
                # PREDICTED_LIMIT (an object stream is far smaller; a larger one is refused).
                if objects and len(content) > PREDICTED_LIMIT and _PREDICTOR.search(head):
                    raise Refused(f"PDF“{shown}”的对象流过大，无法检查，未保存。")
                if len(content) <= PREDICTED_LIMIT and (objects or _IMAGE.search(head) is None):
                    content = _unpredicted(content, head, budget)
            elif objects:
                raise Refused(
                    f"PDF“{shown}”使用了无法检查的压缩方式（{name.decode('ascii', 'replace')}），"
                    "出于安全考虑不能上传；请另存为普通PDF，或打印后扫描再上传。"
                )
            else:
                content = None  # an image or page content in an old compression: no objects inside
        if content:
            streams.append(content)
    return streams


def _inflate(raw: bytes, budget: _Budget) -> bytes:
    """What zlib can inflate of `raw`, up to the error a damaged stream hits (a reader shows
    as much, so as much is checked)."""
    inflater, output = zlib.decompressobj(), bytearray()
    for start in range(0, len(raw), 65536):
        try:
            piece = inflater.decompress(raw[start : start + 65536], budget.left + 1)
        except zlib.error:
            break
        budget.take(len(piece))
        output += piece
        if inflater.eof:
            break
    return bytes(output)


def _ascii_hex(raw: bytes) -> bytes:
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", raw.split(b">", 1)[0])
    try:
        return binascii.unhexlify(digits + b"0" * (len(digits) % 2))
    except binascii.Error:
        return b""


def _ascii_85(raw: bytes) -> bytes:
    text = re.sub(rb"\s", b"", raw.split(b"~>", 1)[0]).removeprefix(b"<~")
    try:
        return base64.a85decode(text)
    except ValueError:
        return base64.a85decode(text[: len(text) // 5 * 5]) if len(text) >= 5 else b""


_PREDICTOR = re.compile(rb"/Predictor\s+(\d+)")
_COLUMNS = re.compile(rb"/Columns\s+(\d+)")
_COLORS = re.compile(rb"/Colors\s+(\d+)")
_BITS = re.compile(rb"/BitsPerComponent\s+(\d+)")


def _number(pattern: re.Pattern[bytes], head: bytes, default: int) -> int:
    found = pattern.search(head)
    return min(int(found.group(1)), 1 << 16) if found else default


def _unpredicted(data: bytes, head: bytes, budget: _Budget) -> bytes:
    """`data` with the Flate stream's PNG or TIFF predictor undone (rows of bytes, each
    coded against its neighbours: otherwise a name could be split across rows)."""
    predictor = _number(_PREDICTOR, head, 1)
    if predictor < 2 or not data:
        return data
    bits = _number(_COLORS, head, 1) * _number(_BITS, head, 8)
    step, width = max(1, bits // 8), max(1, (bits * _number(_COLUMNS, head, 1) + 7) // 8)
    output = bytearray()
    if predictor == 2:
        for start in range(0, len(data), width):
            row = bytearray(data[start : start + width])
            for index in range(step, len(row)):
                row[index] = (row[index] + row[index - step]) & 0xFF
            output += row
        return bytes(output)
    prior = bytearray(width)
    for start in range(0, len(data), width + 1):
        kind, row = data[start], bytearray(data[start + 1 : start + 1 + width].ljust(width, b"\0"))
        for index in range(width):
            left = row[index - step] if index >= step else 0
            up, corner = prior[index], prior[index - step] if index >= step else 0
            if kind == 1:
                row[index] = (row[index] + left) & 0xFF
            elif kind == 2:
                row[index] = (row[index] + up) & 0xFF
            elif kind == 3:
                row[index] = (row[index] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner)
                )
                row[index] = (row[index] + near[2]) & 0xFF
        output += row
        prior = row
    budget.take(len(output) - len(data))
    return bytes(output)
