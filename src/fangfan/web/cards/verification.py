"""What the public verification page says about a card: genuine or not, current or not,
with a masked summary (the head's surname, the village, the policies' names; never an ID
number, a phone or an amount)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from fangfan.engine.cards.signing import CardToken, TokenError, content_digest, read_token
from fangfan.web.cards.policies import policies_for_households
from fangfan.web.registry.models import Household


@dataclass(frozen=True)
class Verdict:
    genuine: bool  # signed by this system (an expired card is genuine but outdated)
    headline: str
    detail: str
    token: CardToken | None = None
    place: str = ""
    head: str = ""  # the surname and a mask
    members: int = 0
    policies: tuple[str, ...] = ()
    current: bool = False  # the policies are still what the data says


def masked_name(name: str) -> str:
    """孙桂兰 → 孙**: the surname only, as a public notice writes it."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def verify(token: str, today: dt.date | None = None) -> Verdict:
    try:
        card = read_token(token, settings.SECRET_KEY, today or timezone.localdate())
    except TokenError as error:
        if error.expired:
            return Verdict(True, "本卡已过期", str(error), token=error.token)
        return Verdict(False, "核验未通过", str(error))
    household = Household.objects.filter(household_id=card.household_id).first()
    if household is None:
        return Verdict(
            True, "本卡由本系统签发", "该户已不在当前建档立卡数据中，请联系村委会核实。", token=card
        )
    policies = policies_for_households([household], year=card.year)[household.household_id]
    place = f"{household.county_name}{household.township_name}{household.village_name}"
    digest = content_digest(
        card.household_id, card.year, ((p.key, p.member_name, p.amount) for p in policies), place
    )
    current = digest == card.digest
    detail = (
        "卡上所列政策与当前数据一致。"
        if current
        else "本卡签发后该户的政策数据已有变化（或该户已迁到别的村），请以村里最新发放的明白卡为准。"
    )
    return Verdict(
        True,
        "本卡由本系统签发",
        detail,
        token=card,
        place=place,
        head=masked_name(household.head_name),
        members=household.people,
        policies=tuple(dict.fromkeys(policy.name for policy in policies)),
        current=current,
    )
