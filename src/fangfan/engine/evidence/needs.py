"""The evidence requirements of a policy year, and the proofs a household needs.

>>> requirements = load_requirements(2026)
>>> [proof.name for proof in requirements.for_policy("housing_renovation").proofs]
['鉴定报告', '竣工照片']
>>> [need.proof.name for need in needs_of(requirements, [Received("education_aid", "教育资助", "李浩")], [])]
['资助发放记录']
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from fangfan.engine.config import ConfigError

PACKAGE = "fangfan.engine.evidence.requirements"
SOURCES = ("policy", "rule", "category")


class RequirementsError(ConfigError):
    """A requirements file that cannot be used, or a year without one; the message is Chinese."""


@dataclass(frozen=True)
class Proof:
    """One kind of proof (鉴定报告, 竣工照片…): its stable key, name and what to photograph."""

    key: str
    name: str
    hint: str = ""


@dataclass(frozen=True)
class Requirement:
    """The proofs one policy (`source` "policy"), rule or category of findings needs."""

    source: str
    key: str
    proofs: tuple[Proof, ...]
    per_member: bool = False


@dataclass(frozen=True)
class Requirements:
    """The evidence requirements of one policy year."""

    year: int
    proofs: tuple[Proof, ...]
    requirements: tuple[Requirement, ...]
    _index: dict[tuple[str, str], Requirement] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({(item.source, item.key): item for item in self.requirements})

    def proof(self, key: str) -> Proof:
        for proof in self.proofs:
            if proof.key == key:
                return proof
        raise RequirementsError(f"{self.year}年度佐证资料要求中没有“{key}”这种材料")

    def for_policy(self, key: str) -> Requirement | None:
        return self._index.get(("policy", key))

    def for_finding(self, rule_code: str, category: str) -> Requirement | None:
        """The rule's own requirement, else its category's; None when a finding needs no proof."""
        return self._index.get(("rule", rule_code)) or self._index.get(("category", category))

    def named(self, source: str) -> tuple[str, ...]:
        """The policy keys (`source` "policy"), rule codes or categories the file names."""
        return tuple(item.key for item in self.requirements if item.source == source)


@dataclass(frozen=True)
class Received:
    """A policy a household receives, as the evidence needs it (from CARDS' ReceivedPolicy)."""

    key: str
    name: str
    member_name: str = ""


@dataclass(frozen=True)
class OpenFinding:
    """An open finding of the household, as the evidence needs it."""

    rule_code: str
    category: str
    rule_name: str
    person_name: str = ""


@dataclass(frozen=True)
class Need:
    """One proof a household must hold: for what (政策 or 问题), for whom, which proof.

    `slot` is what an uploaded file is filed under: ("policy:education_aid", "李浩", "education_aid_record").
    """

    requirement: str  # "policy:<key>" or "rule:<code>"
    label: str  # the policy's or the rule's Chinese name
    subject: str  # the member concerned, "" for the household
    proof: Proof

    @property
    def slot(self) -> tuple[str, str, str]:
        return (self.requirement, self.subject, self.proof.key)

    @property
    def title(self) -> str:
        """教育资助（李浩）·资助发放记录"""
        who = f"（{self.subject}）" if self.subject else ""
        return f"{self.label}{who}·{self.proof.name}"


def needs_of(
    requirements: Requirements, received: Iterable[Received], findings: Iterable[OpenFinding]
) -> list[Need]:
    """Every proof the household needs, each once, policies first, in the file's order of proofs."""
    needs: dict[tuple[str, str, str], Need] = {}
    for policy in received:
        requirement = requirements.for_policy(policy.key)
        if requirement is not None:
            subject = policy.member_name if requirement.per_member else ""
            for proof in requirement.proofs:
                need = Need(f"policy:{policy.key}", policy.name, subject, proof)
                needs.setdefault(need.slot, need)
    for finding in findings:
        requirement = requirements.for_finding(finding.rule_code, finding.category)
        if requirement is not None:
            for proof in requirement.proofs:
                need = Need(f"rule:{finding.rule_code}", finding.rule_name, finding.person_name, proof)
                needs.setdefault(need.slot, need)
    return list(needs.values())


@cache
def requirement_years() -> tuple[int, ...]:
    """The years with a requirements file, oldest first."""
    names = (entry.name for entry in resources.files(PACKAGE).iterdir())
    return tuple(sorted(int(name[:-5]) for name in names if name.endswith(".toml") and name[:-5].isdigit()))


@cache
def load_requirements(year: int) -> Requirements:
    """The requirements of policy year `year`; a year without a file is refused (never borrowed)."""
    if year not in requirement_years():
        known = "、".join(str(known) for known in requirement_years()) or "无"
        raise RequirementsError(
            f"没有{year}年度的佐证资料要求（已有：{known}年度；"
            f"请在 fangfan/engine/evidence/requirements/{year}.toml 中添加）"
        )
    where = f"{year}年度佐证资料要求（requirements/{year}.toml）"
    text = resources.files(PACKAGE).joinpath(f"{year}.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RequirementsError(f"{where}格式有误：{error}") from None
    if data.get("year") != year:
        raise RequirementsError(f"{where}写的年度是 {data.get('year')}，与文件名不符")
    proofs = tuple(_proof(where, number, entry) for number, entry in enumerate(data.get("proof", []), 1))
    by_key = {proof.key: proof for proof in proofs}
    if len(by_key) != len(proofs):
        raise RequirementsError(f"{where}有重复的材料键")
    requirements = tuple(
        _requirement(where, number, entry, by_key)
        for number, entry in enumerate(data.get("requirement", []), 1)
    )
    named = [(item.source, item.key) for item in requirements]
    doubled = sorted({f"{source} {key}" for source, key in named if named.count((source, key)) > 1})
    if doubled:
        raise RequirementsError(f"{where}重复写了：{'、'.join(doubled)}")
    return Requirements(year, proofs, requirements)


def _proof(where: str, number: int, entry: dict[str, Any]) -> Proof:
    missing = [name for name in ("key", "name") if not entry.get(name)]
    if missing:
        raise RequirementsError(f"{where}第{number}种材料缺少：{'、'.join(missing)}")
    return Proof(str(entry["key"]), str(entry["name"]), str(entry.get("hint", "")))


def _requirement(where: str, number: int, entry: dict[str, Any], proofs: dict[str, Proof]) -> Requirement:
    sources = [source for source in SOURCES if entry.get(source)]
    if len(sources) != 1:
        raise RequirementsError(f"{where}第{number}条要求须且只能写 policy、rule、category 之一")
    if not entry.get("proofs"):
        raise RequirementsError(f"{where}第{number}条要求没有写需要的材料（proofs）")
    unknown = [key for key in entry["proofs"] if key not in proofs]
    if unknown:
        raise RequirementsError(f"{where}第{number}条要求的材料没有定义：{'、'.join(unknown)}")
    return Requirement(
        sources[0],
        str(entry[sources[0]]),
        tuple(proofs[key] for key in entry["proofs"]),
        bool(entry.get("per_member", False)),
    )
