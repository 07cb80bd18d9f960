"""Automatic mentor assignment (interfaces.md, `mentors auto-assign`): plain Python, no Flask, no database.

The rules, applied to every new hire who has no mentor yet:

1. New hires are served in order of start date (unknown start dates last), then e-mail.
2. Each takes the best mentor who still has room (load < capacity), ranked by
   same branch first, then same language, then the least loaded (load at that moment,
   so assignments spread out), and finally the mentor's e-mail, so ties are decided the
   same way on every run.
3. A mentor is never given more mentees than their capacity; nobody mentors themselves.
4. People who already have a mentor are never moved; they count in their mentor's load
   (the caller passes it as ``Mentor.load``).

A new hire for whom no mentor has room is reported as unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class NewHire:
    email: str
    branch: str | None = None
    language: str | None = None
    start_date: date | None = None
    # The current mentor's e-mail: a new hire who has one is left alone.
    mentor: str | None = None


@dataclass(frozen=True)
class Mentor:
    email: str
    branch: str | None = None
    language: str | None = None
    capacity: int = 0
    load: int = 0  # mentees they already have


@dataclass(frozen=True)
class Plan:
    assigned: list[tuple[str, str]] = field(default_factory=list)  # (new hire, mentor) e-mails, in order
    unassigned: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """Return the document `mentors auto-assign --json` prints."""
        return {"assigned": [{"newhire": n, "mentor": m} for n, m in self.assigned], "unassigned": list(self.unassigned)}


def _order(newhire: NewHire) -> tuple:
    return (newhire.start_date is None, newhire.start_date or date.min, newhire.email.lower(), newhire.email)


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def plan(newhires: Iterable[NewHire], mentors: Iterable[Mentor]) -> Plan:
    """Decide a mentor for every new hire without one; the inputs are not changed."""
    pool = sorted(mentors, key=lambda m: m.email)
    load = {m.email: m.load for m in pool}
    assigned: list[tuple[str, str]] = []
    unassigned: list[str] = []
    for person in sorted((n for n in newhires if not n.mentor), key=_order):
        candidates = [m for m in pool if load[m.email] < m.capacity and m.email.lower() != person.email.lower()]
        if not candidates:
            unassigned.append(person.email)
            continue
        best = min(candidates, key=lambda m: (not _same(m.branch, person.branch), not _same(m.language, person.language),
                                               load[m.email], m.email))
        load[best.email] += 1
        assigned.append((person.email, best.email))
    return Plan(assigned, unassigned)
