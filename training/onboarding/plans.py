"""Onboarding plan templates: checking a template and computing due dates (plain Python).

A template is a list of items, each with a short *key* that other items name in their
``depends_on``. A valid template has unique keys, known kinds and tickers, offsets of zero
or more days, dependencies that exist and form no cycle, and no item due before the items
it depends on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from servicecraft.messages import _

KINDS = ("task", "course", "roleplay", "golive", "supervised", "shadowing", "meeting")
# Kinds whose link names something in the training library.
LINKED_KINDS = {"course": "course", "roleplay": "scenario"}
TICKERS = ("newhire", "mentor", "either")
MAX_OFFSET_DAYS = 730
MAX_KEY = 40
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class ItemSpec:
    """One item of a template as its author wrote it."""

    key: str
    title: Mapping[str, str]
    kind: str = "task"
    link: str = ""
    due_offset_days: int = 0
    ticked_by: str = "either"
    depends_on: tuple[str, ...] = field(default_factory=tuple)


def _is_key(key: str) -> bool:
    return bool(key) and len(key) <= MAX_KEY and all(c.isalnum() or c in "-_" for c in key) and key.isascii()


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one dependency cycle as a path that ends where it starts (``[a, b, a]``), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {node: WHITE for node in graph}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in colour:
                continue  # unknown keys are reported separately
            if colour[nxt] == GREY:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for node in graph:
        if colour[node] == WHITE:
            found = visit(node)
            if found:
                return found
    return None


def validate(items: Sequence[ItemSpec]) -> list[str]:
    """Return every problem with a template's items, one sentence each (empty when valid)."""
    problems: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        label = item.key or str(n)
        if not _is_key(item.key):
            problems.append(_("Item %(n)s: the key must be 1 to %(max)s letters, digits, - or _.", n=n, max=MAX_KEY))
        elif item.key in seen:
            problems.append(_("Item %(key)s: the key is used twice; every item needs its own.", key=item.key))
        seen.add(item.key)
        if not any(str(v).strip() for v in (item.title or {}).values()):
            problems.append(_("Item %(key)s: a title is required.", key=label))
        if item.kind not in KINDS:
            problems.append(_("Item %(key)s: the kind must be one of %(kinds)s.", key=label, kinds=", ".join(KINDS)))
        elif item.kind in LINKED_KINDS and not item.link.strip():
            problems.append(_("Item %(key)s: a %(kind)s item needs a link (the %(what)s slug).",
                              key=label, kind=item.kind, what=LINKED_KINDS[item.kind]))
        if item.ticked_by not in TICKERS:
            problems.append(_("Item %(key)s: who ticks it must be one of %(who)s.", key=label, who=", ".join(TICKERS)))
        if not isinstance(item.due_offset_days, int) or item.due_offset_days < 0:
            problems.append(_("Item %(key)s: the due offset must be 0 days or more.", key=label))
        elif item.due_offset_days > MAX_OFFSET_DAYS:
            problems.append(_("Item %(key)s: the due offset is at most %(max)s days.", key=label, max=MAX_OFFSET_DAYS))
    by_key = {item.key: item for item in items if item.key}
    for item in items:
        for dep in item.depends_on:
            if dep == item.key:
                problems.append(_("Item %(key)s depends on itself.", key=item.key))
            elif dep not in by_key:
                problems.append(_("Item %(key)s depends on %(dep)s, which is not in the template.", key=item.key, dep=dep))
            else:
                other = by_key[dep]
                if (isinstance(other.due_offset_days, int) and isinstance(item.due_offset_days, int)
                        and other.due_offset_days > item.due_offset_days):
                    problems.append(_(
                        "Item %(key)s is due on day %(day)s but depends on %(dep)s, due later on day %(dep_day)s.",
                        key=item.key, day=item.due_offset_days, dep=dep, dep_day=other.due_offset_days))
    graph = {item.key: [d for d in item.depends_on if d != item.key] for item in items if item.key}
    cycle = find_cycle(graph)
    if cycle:
        problems.append(_("Circular dependency: %(cycle)s.", cycle=" → ".join(cycle)))
    return problems


def due_dates(items: Sequence[ItemSpec], start: date) -> dict[str, date]:
    """Return each item's due date: the start date plus its offset."""
    return {item.key: start + timedelta(days=item.due_offset_days) for item in items}


def blocking(depends_on: Iterable[str], done_keys: Iterable[str]) -> list[str]:
    """Return the dependencies not done yet (the item cannot be ticked while any remain)."""
    done = set(done_keys)
    return [key for key in depends_on if key not in done]


def due_status(due: date | None, is_done: bool, today: date) -> str | None:
    """Return 'overdue', 'due_soon', 'on_track', or None for done items and items without a date."""
    if is_done or due is None:
        return None
    if due < today:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "on_track"


def order(items: Sequence[ItemSpec]) -> list[ItemSpec]:
    """Return the items by due offset, dependencies before dependants for equal days."""
    depth: dict[str, int] = {}
    by_key = {i.key: i for i in items}

    def level(key: str, trail: frozenset = frozenset()) -> int:
        if key in depth:
            return depth[key]
        if key in trail or key not in by_key:
            return 0
        deps = [d for d in by_key[key].depends_on if d in by_key]
        value = 1 + max((level(d, trail | {key}) for d in deps), default=-1)
        depth[key] = value
        return value

    return sorted(items, key=lambda i: (i.due_offset_days, level(i.key)))


STARTER_NAME = "30/60/90-day plan"
STARTER_DESCRIPTION = {
    "en": "The first three months of a new agent: learn, practise, go live under supervision, then work on your own.",
    "ru": "Первые три месяца нового сотрудника: учёба, практика, выход на линию под присмотром и самостоятельная работа.",
}
STARTER_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("meet-mentor", {"en": "Meet your mentor and agree on your check-ins", "ru": "Познакомьтесь с наставником и договоритесь о встречах"},
             "meeting", "", 1, "either"),
    ItemSpec("shadow-calls", {"en": "Shadow five calls with your mentor", "ru": "Прослушайте пять звонков вместе с наставником"},
             "shadowing", "", 7, "newhire", ("meet-mentor",)),
    ItemSpec("course-three-a", {"en": "Finish the course “The three A's”", "ru": "Пройдите курс «Три А»"},
             "course", "three-a", 14, "newhire"),
    ItemSpec("course-request-categories", {"en": "Finish the course “Request categories”", "ru": "Пройдите курс «Категории обращений»"},
             "course", "request-categories", 21, "newhire", ("course-three-a",)),
    ItemSpec("course-complaint-handling", {"en": "Finish the onboarding course “Complaint handling”", "ru": "Пройдите курс «Работа с жалобами»"},
             "course", "complaint-handling", 30, "newhire", ("course-request-categories",)),
    ItemSpec("roleplay-double-charge", {"en": "Practise the role-play “Double charge”", "ru": "Отработайте ролевую игру «Двойное списание»"},
             "roleplay", "double-charge", 30, "either", ("course-three-a",)),
    ItemSpec("golive-track", {"en": "Pass the go-live track", "ru": "Пройдите программу допуска к работе"},
             "golive", "", 45, "mentor", ("course-complaint-handling", "roleplay-double-charge", "shadow-calls")),
    ItemSpec("supervised-tickets", {"en": "Handle your first 20 tickets under supervision", "ru": "Обработайте первые 20 обращений под присмотром"},
             "supervised", "", 60, "mentor", ("golive-track",)),
    ItemSpec("review-60", {"en": "60-day review with your mentor", "ru": "Встреча с наставником по итогам 60 дней"},
             "meeting", "", 60, "mentor", ("supervised-tickets",)),
    ItemSpec("work-solo", {"en": "Work the queue on your own for a week", "ru": "Неделя самостоятельной работы с очередью"},
             "task", "", 85, "mentor", ("review-60",)),
    ItemSpec("review-90", {"en": "90-day review: agree on your next goals", "ru": "Встреча по итогам 90 дней: следующие цели"},
             "meeting", "", 90, "mentor", ("work-solo",)),
)
