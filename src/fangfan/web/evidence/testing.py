"""Evidence for tests: photos with (and without) a camera's metadata, and a filed item.

from fangfan.web.evidence.testing import camera_photo, make_evidence
item = make_evidence(village_team, household)       # a completion photo of its renovation
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangfan.engine.evidence.needs import Need
from fangfan.web.accounts.models import User
from fangfan.web.evidence import actions
from fangfan.web.evidence.completeness import one_household
from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.registry.models import Household

TAKEN = "2026:10:30 14:05:09"
GPS = {1: "N", 2: (33.0, 24.0, 5.0), 3: "E", 4: (104.0, 55.0, 1.0)}  # 陇南, to the metre
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def camera_photo(colour: str = "red", size: tuple[int, int] = (64, 48), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: maker, orientation, date taken, GPS position, a comment."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0112] = orientation
    exif[0x8769] = {0x9003: TAKEN}
    exif[0x8825] = GPS
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif, comment=b"owner 13912345678")
    return output.getvalue()


def screenshot_png(colour: str = "blue") -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(output, "PNG")
    return output.getvalue()


def need_of(household: Household, proof: str) -> Need:
    """The household's need for `proof` (its first one)."""
    return next(need for need in one_household(household).needs if need.proof.key == proof)


def make_evidence(
    user: User,
    household: Household,
    proof: str = "completion_photos",
    content: bytes | None = None,
    name: str = "竣工照片.jpg",
    note: str = "",
) -> EvidenceItem:
    """Filed through the verb, as an upload would be."""
    evidence = one_household(household)
    need = need_of(household, proof)
    upload = SimpleUploadedFile(name, content or camera_photo(), content_type="image/jpeg")
    return actions.upload_evidence(user, household, need, evidence.year, upload, note)
