"""Pagination of ``select()`` statements: two queries per page (count + page), whatever the size.

``page = paginate(db(), stmt, page=request.args.get("page"), per_page=50)`` and, in the template,
``{{ ui.pagination(page, "people.directory", **filters) }}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def page_number(raw: Any) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, 100_000))


def paginate(
    session: Session, stmt: Select[Any], *, page: Any = 1, per_page: int = 50
) -> Page[Any]:
    """Run ``stmt`` for one page; ``stmt`` must be ordered for stable pages."""
    number = page_number(page)
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    last = max(1, -(-total // per_page))
    number = min(number, last)
    items = session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).scalars().all()
    return Page(items, number, per_page, total)
