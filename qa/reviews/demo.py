"""Demo step: a ticket-review sample with some reviews released, and a revealed calibration session.

Runs after the tickets demo step (order 45) that imports three months of tickets; with no
tickets it creates nothing and says so. Re-runnable: an existing demo sample or session is kept.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from qa.calibration import services as calibration_services
from qa.calibration.models import CalibrationSession
from qa.evaluations import services as evaluation_services
from qa.evaluations.formfile import FormDefinition
from qa.reviews import services
from qa.reviews.models import ReviewSample
from qa.tickets.models import Ticket
from servicecraft import demo
from servicecraft.extensions import db

SAMPLE_NAME = "Weekly random sample (demo)"
SESSION_TITLE = "Calibration: a refund complaint (demo)"


def demo_answers(form: FormDefinition, rng: random.Random, *, first_reply_minutes: float | None = None) -> dict:
    """Return plausible, complete answers: mostly good, with some misses."""
    answers: dict = {}
    for item in form.items():
        if item.is_evidence:
            continue
        if item.type == "text":
            answers[item.id] = rng.choice(["", "Clear and friendly; check the refund rules next time."])
        elif item.type == "timer":
            answers[item.id] = int((first_reply_minutes if first_reply_minutes is not None else rng.randint(5, 2000)) * 60)
        elif item.na and rng.random() < 0.2:
            answers[item.id] = "na"
        elif item.type == "yes_no":
            answers[item.id] = True if item.critical else rng.random() < 0.8
        elif item.type == "scale":
            answers[item.id] = rng.randint(max(0, item.max - 2), item.max)
        elif item.type == "stars":
            answers[item.id] = rng.randint(3, 5)
    return {k: v for k, v in answers.items() if v != ""}


@demo.step(62)
def reviews_and_calibration(ctx: dict) -> str:
    users = ctx["users"]
    manager, manager2, mentor = users["manager@demo.test"], users["manager2@demo.test"], users["mentor@demo.test"]
    newest = db.session.scalar(select(func.max(Ticket.solved_at)).where(Ticket.agent_id.isnot(None)))
    if newest is None:
        return "ticket reviews: no imported tickets, so no sample and no calibration session"
    version = evaluation_services.latest_published("ticket-review")
    if version is None:
        evaluation_services.load_starter_forms(users["admin@demo.test"])
        version = evaluation_services.latest_published("ticket-review")
    if version is None:
        return "ticket reviews: the starter ticket-review form is missing"
    form = evaluation_services.definition(version)
    rng = random.Random(62)
    lines = []

    sample = db.session.scalar(select(ReviewSample).where(ReviewSample.name == SAMPLE_NAME))
    if sample is None:
        end = newest.date()
        data = services.SampleInput(name=SAMPLE_NAME, rule="random", period_from=end - timedelta(days=27), period_to=end,
                                    form_version_id=version.id, reviewer_ids=[manager.id, manager2.id],
                                    params={"per_agent": 1}, seed=2026)
        sample = services.create_sample(manager, data)
        reviewed = 0
        for item in sample.items:
            if reviewed >= max(3, len(sample.items) // 3):
                break
            reviewer = manager if item.reviewer_id == manager.id else manager2
            answers = demo_answers(form, rng, first_reply_minutes=item.ticket.first_reply_minutes)
            services.finish_review(item, reviewer, answers,
                                   comment="Good tone. Tell the customer when to expect the refund." if reviewed % 2 else "")
            reviewed += 1
        lines.append(f"ticket reviews: a sample of {len(sample.items)} tickets, {reviewed} reviewed and released")

    session = db.session.scalar(select(CalibrationSession).where(CalibrationSession.title == SESSION_TITLE))
    if session is None:
        ticket = db.session.scalar(select(Ticket).where(Ticket.agent_id.isnot(None), Ticket.solved_at.isnot(None))
                                   .order_by(Ticket.id.desc()).limit(1))
        session = calibration_services.create_session(manager, calibration_services.SessionInput(
            title=SESSION_TITLE, form_version_id=version.id, reviewer_ids=[manager.id, manager2.id, mentor.id],
            ticket_id=ticket.id if ticket else None,
            description="The customer asks for a refund of a double charge; the agent answers after a day."))
        base = demo_answers(form, rng, first_reply_minutes=ticket.first_reply_minutes if ticket else None)
        for n, person in enumerate((manager, manager2, mentor)):
            answers = dict(base)
            for item in form.scored_items():   # each reviewer differs a little from the others
                if rng.random() < 0.25 * (n + 1) and item.type == "scale" and item.id in answers and answers[item.id] != "na":
                    answers[item.id] = max(0, answers[item.id] - 1)
                elif rng.random() < 0.1 * n and item.type == "yes_no" and not item.critical and item.id in answers:
                    answers[item.id] = not answers[item.id] if answers[item.id] != "na" else True
            calibration_services.save_sheet(session, person, answers, submit=True)
        calibration_services.reveal(session, manager)
        lines.append("calibration: one session with three blind sheets, revealed")
    db.session.flush()
    return "; ".join(lines) or None
