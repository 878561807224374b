"""Pages of a long list whose length is already known."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator

PER_PAGE = 50


class KnownCountPaginator(Paginator):
    """A Paginator told the number of rows instead of counting them."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


def page_of(rows: Any, number: Any, *, count: int | None = None) -> Page:
    """Page `number` (as the query string gave it) of `rows`; `count` if known."""
    paginator = Paginator(rows, PER_PAGE) if count is None else KnownCountPaginator(rows, PER_PAGE, count)
    return paginator.get_page(number)
