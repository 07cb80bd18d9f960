"""How far a learner is through a course, and what they should do next (plain Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Progress:
    """Counts behind a progress bar: lessons viewed, quizzes passed, completion."""

    lessons_total: int
    lessons_viewed: int
    quizzes_total: int
    quizzes_passed: int
    is_completed: bool = False

    @property
    def steps_total(self) -> int:
        return self.lessons_total + self.quizzes_total

    @property
    def steps_done(self) -> int:
        return min(self.lessons_viewed, self.lessons_total) + min(self.quizzes_passed, self.quizzes_total)

    @property
    def percent(self) -> int:
        """Return the share of lessons and quizzes done, 0..100 (100 once completed)."""
        if self.is_completed:
            return 100
        if not self.steps_total:
            return 0
        # Never show 100 % for a course that is not completed yet.
        return min(99, round(100 * self.steps_done / self.steps_total))


def due_status(due_date: date | None, is_completed: bool, today: date) -> str | None:
    """Return 'overdue', 'due_soon', 'on_track' or None (completed or no due date)."""
    if is_completed or due_date is None:
        return None
    if due_date < today:
        return "overdue"
    if (due_date - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "on_track"


@dataclass(frozen=True)
class NextStep:
    """What to do next: read lesson *index*, take quiz *index*, wait for grading, or done."""

    kind: str  # "lesson", "quiz", "waiting", "done"
    index: int | None = None


def next_step(lessons_viewed: Sequence[bool], quizzes: Sequence[tuple[bool, bool]]) -> NextStep:
    """Return the next step: the first unread lesson, then the first quiz not passed.

    *quizzes* holds (is_passed, is_awaiting_grading) per quiz, in course order.
    """
    for index, viewed in enumerate(lessons_viewed):
        if not viewed:
            return NextStep("lesson", index)
    waiting = None
    for index, (passed, awaiting) in enumerate(quizzes):
        if passed:
            continue
        if awaiting:
            waiting = waiting if waiting is not None else index
            continue
        return NextStep("quiz", index)
    if waiting is not None:
        return NextStep("waiting", waiting)
    return NextStep("done")


def days_overdue(due_date: date | None, today: date) -> int:
    """Return how many days past *due_date* today is (0 when not overdue)."""
    if due_date is None or due_date >= today:
        return 0
    return (today - due_date).days
