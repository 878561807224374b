"""Place names as feedback lists write them, to region codes.

Inspectors write a place the way they say it: 武都区, 武都, 汉王镇, 汉王, 汉王乡 (for a
镇), "武都区汉王镇", "武都区 汉王镇 某某村", or several at once ("武都区、成县").
`Places` reads such a text into region codes, inside a county or township already
known from another column when there is one:

>>> places = Places.reference()
>>> [p.code for p in places.read("武都汉王")]
['621202104']
>>> [p.name for p in places.read("武都区、成县")]
['武都区', '成县']

A name is compared without its level word (县, 区, 镇, 乡, 街道, 藏族乡, 村, 社区 …), so
汉王乡 finds 汉王镇. A short name of one character (成 for 成县) counts only when it is
the whole text. A township name that several counties share (城关镇) needs its county.
Villages are not in the reference data: pass the villages an office knows
(`Places.reference(villages)`); under a township with no known villages a village
name is kept as written, unchecked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fangfan.engine import regions
from fangfan.engine.regions import CITY_CODE, Region

LEVEL_WORDS = re.compile(
    r"(?:藏族|回族|土族|东乡族|裕固族|保安族|撒拉族|蒙古族)?(?:街道办事处|办事处|街道|村民委员会|村委会|居委会|社区|县|区|市|镇|乡|村)$"
)
LEADING_LEVEL_WORD = re.compile(r"(?:藏族|回族)?(?:街道|社区|县|区|市|镇|乡|村)")
PLACE_SEPARATORS = re.compile(r"[、，,；;/／\n]+|(?<=[县区镇乡村道])(?:和|及|与)")
# Written before a place and meaning nothing for it: the province and the city themselves.
PREFIXES = ("甘肃省", "甘肃", "陇南市", "陇南")
CITY_WORDS = ("全市", "陇南市", "陇南", "市直", "市级")
LEVELS = ("city", "county", "township", "village")


def name_key(name: str) -> str:
    """A place name without spaces and its level word: 坪垭藏族乡 → 坪垭, 武都区 → 武都."""
    text = unicodedata.normalize("NFKC", name).replace(" ", "").strip()
    stripped = LEVEL_WORDS.sub("", text)
    return stripped or text


@dataclass(frozen=True)
class Place:
    """Where a problem is: a region's code and level, and the village name if unchecked."""

    level: str
    code: str
    name: str
    unchecked_village: str = ""  # a village name under `code` (a township) no list could confirm

    @property
    def county_code(self) -> str:
        return self.code[:6] if self.level != "city" else ""

    @property
    def township_code(self) -> str:
        return self.code[:9] if self.level in ("township", "village") else ""


class PlaceError(ValueError):
    """A place text that cannot be read: its Chinese message says why."""


@dataclass
class Places:
    """The city's regions by name, for reading place texts (see the module's docstring)."""

    regions: Sequence[Region]
    _children: dict[str, list[Region]] = field(default_factory=dict, init=False, repr=False)
    _townships_by_key: dict[str, list[Region]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for region in self.regions:
            self._children.setdefault(region.parent_code, []).append(region)
            if region.level == "township":
                self._townships_by_key.setdefault(name_key(region.name), []).append(region)
        for children in self._children.values():
            # Longer names first, so 城关镇 is tried before a shorter name it begins with.
            children.sort(key=lambda region: -len(region.name))

    @classmethod
    def reference(cls, villages: Iterable[Region] = ()) -> Places:
        """The shipped city, counties and townships, and the `villages` given."""
        return cls([*regions.reference_regions(), *villages])

    @property
    def city(self) -> Place:
        return Place("city", CITY_CODE, "陇南市")

    def read(self, text: str, within: Place | None = None) -> list[Place]:
        """Every place named in `text` (several when separated by 、，；), inside `within`.

        Raises PlaceError with a Chinese message when a part names no known place,
        more than one, or a place outside `within`.
        """
        parts = [part for part in PLACE_SEPARATORS.split(_clean(text)) if part]
        if not parts:
            raise PlaceError("地点为空")
        return [self.read_one(part, within) for part in parts]

    def read_one(self, text: str, within: Place | None = None) -> Place:
        """The one place `text` names (no separators), inside `within` if given."""
        text = _without_prefixes(_clean(text))
        if not text or text in CITY_WORDS:
            if within is not None and within.level != "city":
                return within
            return self.city
        start = within if within is not None and within.level != "city" else None
        found = self._parse(text, start)
        if not found and start is not None:
            # The part may repeat its county ("武都区汉王镇" in a 乡镇 column beside 武都区).
            found = [place for place in self._parse(text, None) if place.code.startswith(start.code)]
            if not found and self._parse(text, None):
                raise PlaceError(f"“{text}”不在{start.name}范围内")
        if not found:
            raise PlaceError(f"“{text}”不是陇南市已知的县区或乡镇名称")
        deepest = max(LEVELS.index(place.level) for place in found)
        best: dict[str, Place] = {}
        for place in sorted(found, key=lambda place: -len(place.unchecked_village)):
            if LEVELS.index(place.level) == deepest:
                best[place.code] = place  # the shortest unchecked village name wins
        if len(best) > 1:
            names = "、".join(sorted(self._full_name(place) for place in best.values()))
            raise PlaceError(f"“{text}”有多个同名地点（{names}），请写明所属县区")
        return next(iter(best.values()))

    def _parse(self, text: str, start: Place | None) -> list[Place]:
        """Every reading of `text` that uses it up, below `start` (or from the top)."""
        if start is None:
            readings = self._below(text, CITY_CODE)
            # A township written without its county: 汉王镇, 城关镇 (which may be several).
            for region in self._townships_by_key.get(name_key(text), []):
                readings.append(Place("township", region.code, region.name))
            for key, townships in self._townships_by_key.items():
                for region in townships:
                    for name in _names(region, key):
                        if _begins_with(text, name, region.name):
                            readings += self._below(text[len(name) :], region.code)
            return readings
        return self._below(text, start.code)

    def _below(self, text: str, parent_code: str) -> list[Place]:
        readings: list[Place] = []
        for region in self._children.get(parent_code, []):
            key = name_key(region.name)
            if text == key and len(key) == 1:  # 成 for 成县, only as the whole text
                readings.append(Place(region.level, region.code, region.name))
            for name in _names(region, key):
                if text == name:
                    readings.append(Place(region.level, region.code, region.name))
                elif _begins_with(text, name, region.name):
                    readings += self._below(text[len(name) :], region.code)
        if not readings and LEVELS.index(_level_of(parent_code)) == 2 and not self._children.get(parent_code):
            # A township without known villages: keep the village name as written.
            township = next((r for r in self.regions if r.code == parent_code), None)
            if township is not None and LEVEL_WORDS.search(text) and text.endswith(("村", "社区")):
                readings.append(Place("township", township.code, township.name, unchecked_village=text))
        return readings

    def _full_name(self, place: Place) -> str:
        names = {region.code: region.name for region in self.regions}
        county = names.get(place.county_code, "") if place.level in ("township", "village") else ""
        return f"{county}{place.name}"


def _names(region: Region, key: str) -> tuple[str, ...]:
    """The ways a region's name is written: whole, then without its level word (if not one letter)."""
    return (region.name, key) if key != region.name and len(key) >= 2 else (region.name,)


def _begins_with(text: str, name: str, full_name: str) -> bool:
    """`text` starts with `name` and goes on; a short name not followed by a level word (汉王|镇…)."""
    if not text.startswith(name) or len(text) <= len(name):
        return False
    return name == full_name or not LEADING_LEVEL_WORD.match(text[len(name) :])


def _level_of(code: str) -> str:
    return {6: "county", 9: "township", 12: "village"}.get(len(code), "city") if code != CITY_CODE else "city"


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _without_prefixes(text: str) -> str:
    """甘肃省陇南市武都区 → 武都区; 陇南市 alone stays (it names the city)."""
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) and text not in CITY_WORDS:
            return _without_prefixes(text[len(prefix) :].removeprefix("省").removeprefix("市"))
    return text
