"""Pages of a long list whose length is already known."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator

PER_PAGE = 50


class KnownCountPaginator(Paginator):  # type: ignore[type-arg]  # generic only in django-stubs
    """A Paginator told the number of rows instead of counting them.

    `truncated`: the list holds more rows than `count`, and only the first `count` are paged.
    """

    def __init__(self, object_list: Any, per_page: int, count: int, truncated: bool = False) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count
        self.truncated = truncated

    @property
    def count(self) -> int:
        return self._known_count


@dataclass
class UncountedPaginator:
    """What the pagination template reads of a paginator that never counts."""

    count: None = None
    num_pages: None = None
    truncated: bool = False
    uncounted: bool = True


@dataclass
class UncountedPage:
    """One page of a list too long to count: the page's rows, and whether another follows.

    Read with one query of PER_PAGE + 1 rows at the page's offset.
    """

    object_list: list[Any]
    number: int
    more: bool
    paginator: UncountedPaginator = field(default_factory=UncountedPaginator)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def uncounted_page(rows: Any, number: Any) -> UncountedPage:
    """Page `number` of `rows` without counting them (a page past the end is empty)."""
    try:
        page = max(int(number), 1)
    except (TypeError, ValueError):
        page = 1
    start = (page - 1) * PER_PAGE
    found = list(rows[start : start + PER_PAGE + 1])
    return UncountedPage(found[:PER_PAGE], page, len(found) > PER_PAGE)


def page_of(rows: Any, number: Any, *, count: int | None = None, cap: int | None = None) -> Page[Any]:
    """Page `number` (as the query string gave it) of `rows`; `count` if known.

    With `cap` (and no `count`), rows are counted only up to `cap`: a search for a common
    surname across the city matches tens of thousands of households, and counting them all
    would cost more than the page. Past the cap the paginator is `truncated` and pages
    only the first `cap` rows (the page asks for a narrower search).
    """
    if count is None and cap is not None:
        counted = rows.order_by()[: cap + 1].count()
        paginator: Paginator[Any] = KnownCountPaginator(rows, PER_PAGE, min(counted, cap), counted > cap)
    elif count is None:
        paginator = Paginator(rows, PER_PAGE)
    else:
        paginator = KnownCountPaginator(rows, PER_PAGE, count)
    return paginator.get_page(number)
