"""The file checks never crash: whatever bytes arrive, a clean copy or a Chinese refusal.

Seeded mutations of a phone photo, a screenshot and a PDF (bytes flipped, cut short, runs
inserted), as a broken upload, a truncated transfer or a crafted file would look.
"""

from __future__ import annotations

import random

import pytest

from fangfan.web.evidence.files import Checked, Refused, check_file
from fangfan.web.evidence.testing import PDF, camera_photo, screenshot_png

LIMITS = {"max_bytes": 1_000_000, "max_pixels": 4_000_000}


def _mutations(original: bytes, seed: int, count: int = 150) -> list[bytes]:
    chance = random.Random(seed)
    found = []
    for _ in range(count):
        data = bytearray(original)
        for _ in range(chance.randint(1, 6)):
            where = chance.randrange(len(data))
            kind = chance.random()
            if kind < 0.5:
                data[where] = chance.randrange(256)
            elif kind < 0.75:
                del data[where:]
                if not data:
                    data.append(0)
            else:
                data[where:where] = bytes(chance.randrange(256) for _ in range(chance.randint(1, 40)))
        found.append(bytes(data))
    return found


@pytest.mark.parametrize(
    ("name", "original", "seed"),
    [("照片.jpg", camera_photo(), 1), ("截图.png", screenshot_png(), 2), ("鉴定报告.pdf", PDF, 3)],
)
def test_a_damaged_file_is_kept_clean_or_refused_in_chinese_never_a_crash(name, original, seed):
    outcomes = {"kept": 0, "refused": 0}
    for data in _mutations(original, seed):
        try:
            checked = check_file(name, data, **LIMITS)
        except Refused as refused:
            assert str(refused).endswith(("未保存。", "再上传。", "后上传。")) and name in str(refused), str(
                refused
            )
            outcomes["refused"] += 1
        else:
            assert isinstance(checked, Checked) and checked.content_type in (
                "image/jpeg",
                "image/png",
                "application/pdf",
            )
            assert not checked.content_type.startswith("image/") or b"Exif" not in checked.content
            outcomes["kept"] += 1
    assert outcomes["refused"] > 0  # the mutations did break files, so the refusals were exercised
