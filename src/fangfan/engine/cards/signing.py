"""The verification link a card's QR code carries: signed with the site's secret key and
dated, so a forged card (no valid signature) and an outdated one (past its expiry, or its
policies no longer what the data says) are recognisable on the verification page.

A token is `<household>.<year>.<issued>.<expires>.<digest>.<signature>`: the dates as
YYYYMMDD, `digest` eight hex characters of the card's policies (`content_digest`), the
signature an HMAC-SHA256 of the rest under a key derived from the secret key. Short, so
the QR code stays small; nothing personal in it beyond the household's number.

>>> signer = CardSigner(secret_key="k" * 50, base_url="https://fangfan.example")
>>> token = signer.token("6212261002020001", 2026, dt.date(2026, 12, 6), "0123abcd")
>>> read_token(token, "k" * 50, today=dt.date(2026, 12, 7)).year
2026
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

SALT = b"fangfan.cards.verify"
VERIFY_PATH = "/cards/verify/?t="  # a query string: the page takes no record in its path
TOKEN = re.compile(
    r"^(?P<household>[0-9A-Za-z_-]{1,32})\.(?P<year>\d{4})\.(?P<issued>\d{8})\.(?P<expires>\d{8})\.(?P<digest>[0-9a-f]{8})\.(?P<signature>[A-Za-z0-9_-]{22})$"
)


class TokenError(ValueError):
    """A link that does not verify; `expired` tells an outdated card from a forged one."""

    def __init__(self, message: str, *, expired: bool = False, token: CardToken | None = None) -> None:
        super().__init__(message)
        self.expired = expired
        self.token = token


@dataclass(frozen=True)
class CardToken:
    household_id: str
    year: int
    issued_on: dt.date
    expires_on: dt.date
    digest: str


@dataclass(frozen=True)
class CardSigner:
    """Signs the cards of one batch: the site's secret key and its public address."""

    secret_key: str
    base_url: str
    valid_days: int = 400

    def token(self, household_id: str, year: int, issued_on: dt.date, digest: str) -> str:
        expires = issued_on + dt.timedelta(days=self.valid_days)
        payload = f"{household_id}.{year}.{issued_on:%Y%m%d}.{expires:%Y%m%d}.{digest}"
        return f"{payload}.{_signature(self.secret_key, payload)}"

    def url(self, household_id: str, year: int, issued_on: dt.date, digest: str) -> str:
        return f"{self.base_url.rstrip('/')}{VERIFY_PATH}{self.token(household_id, year, issued_on, digest)}"


def _signature(secret_key: str, payload: str) -> str:
    key = hashlib.sha256(SALT + secret_key.encode("utf-8")).digest()
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def read_token(token: str, secret_key: str, today: dt.date) -> CardToken:
    """The card a link stands for; TokenError (Chinese) when it is forged, altered or expired."""
    match = TOKEN.match(token or "")
    if match is None:
        raise TokenError("链接不完整或格式不对：这不是本系统签发的明白卡")
    payload = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(_signature(secret_key, payload), match["signature"]):
        raise TokenError("核验未通过：链接被改动过，或不是本系统签发的明白卡")
    try:
        card = CardToken(
            household_id=match["household"],
            year=int(match["year"]),
            issued_on=dt.datetime.strptime(match["issued"], "%Y%m%d").date(),
            expires_on=dt.datetime.strptime(match["expires"], "%Y%m%d").date(),
            digest=match["digest"],
        )
    except ValueError:
        raise TokenError("核验未通过：链接中的日期不对") from None
    if today > card.expires_on:
        raise TokenError(
            f"本卡已于{card.expires_on:%Y年%m月%d日}过期：请向村委会或帮扶责任人索取新卡",
            expired=True,
            token=card,
        )
    return card


def content_digest(
    household_id: str, year: int, lines: Iterable[tuple[str, str, float | Decimal | None]], place: str = ""
) -> str:
    """Eight hex characters of what a card lists (policy key, person, amount, order-free) and
    where the household lives (县乡村 names): the web compares it with what the data says now
    to tell an outdated card, a household since moved to another village included."""
    parts = sorted(
        f"{key}|{member}|{'' if amount is None else f'{float(amount):.2f}'}" for key, member, amount in lines
    )
    text = "\n".join([household_id, str(year), place, *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
