"""Who mentors whom, read once per request: several features' panels on a mentor's dashboard ask it."""

from __future__ import annotations

from sqlalchemy import select

from servicecraft.extensions import db
from servicecraft.models import User
from training.memo import per_request


def all_mentees(mentor: User) -> list[User]:
    """Everyone whose mentor is *mentor*, deactivated accounts and people already live too, by name.

    The sign-off, check-in and training panels each filter this one list (read-only: copy it
    before changing it) rather than asking the database again.
    """
    return per_request(("people.all_mentees", mentor.id), lambda: list(db.session.scalars(
        select(User).where(User.mentor_id == mentor.id).order_by(User.name, User.id))))
