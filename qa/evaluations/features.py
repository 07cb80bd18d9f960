"""Navigation links, dashboard panels and demo steps of qa.evaluations (registered on import)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l

from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("qa.evaluations.index", _l("Evaluations"), roles=("admin", "manager", "mentor", "agent"), order=50)
nav_item("qa.evaluations.forms_index", _l("Forms"), roles=("admin", "manager"), order=52)


@panel("qa-my-evaluations", roles=("agent",), template="qa/evaluations/panels/mine.html", order=30)
def my_latest_evaluations(user):
    """The agent's latest released evaluations; hidden when there are none."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qa.evaluations.models import Evaluation, FormVersion
    from servicecraft.extensions import db

    # One query: the panel shows the form's title and the current revision's score.
    rows = db.session.scalars(
        select(Evaluation).where(Evaluation.agent_id == user.id, Evaluation.status == "released")
        .options(joinedload(Evaluation.form_version).joinedload(FormVersion.form), joinedload(Evaluation.current_revision))
        .order_by(Evaluation.released_at.desc(), Evaluation.id.desc()).limit(5)).all()
    return {"evaluations": rows} if rows else None


@panel("qa-open-disputes", roles=("admin", "manager"), template="qa/evaluations/panels/disputes.html", order=31)
def open_disputes(user):
    """Disputes waiting for a decision; hidden when there are none."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qa.evaluations.models import Dispute, Evaluation, FormVersion
    from servicecraft.extensions import db
    from servicecraft.models import User

    # The panel shows who raised each dispute and the form's title: loaded with the disputes.
    rows = db.session.scalars(
        select(Dispute).where(Dispute.status == "open")
        .options(joinedload(Dispute.raised_by).lazyload(User.role_rows),
                 joinedload(Dispute.evaluation).joinedload(Evaluation.form_version).joinedload(FormVersion.form))
        .order_by(Dispute.created_at).limit(10)).all()
    return {"disputes": rows} if rows else None


@panel("qa-waiting-validation", roles=("admin", "manager"), template="qa/evaluations/panels/waiting.html", order=32)
def waiting_for_validation(user):
    """Submitted evaluations no validator has looked at yet; hidden when there are none."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qa.evaluations.models import Evaluation, FormVersion
    from qa.listing import head_and_total
    from servicecraft.models import User

    # One query: the first eight with what the panel shows (the form's title, the agent or
    # branch), and how many wait in all.
    rows, total = head_and_total(
        select(Evaluation).where(Evaluation.status == "submitted")
        .options(joinedload(Evaluation.form_version).joinedload(FormVersion.form),
                 joinedload(Evaluation.agent).lazyload(User.role_rows), joinedload(Evaluation.branch))
        .order_by(Evaluation.submitted_at, Evaluation.id), 8)
    return {"evaluations": rows, "total": total} if rows else None


# Agents of the central (MSK) and a regional (EKB) branch who get demo evaluations.
_DEMO_AGENTS = ("agent1@demo.test", "agent2@demo.test", "agent3@demo.test", "agent4@demo.test",
                "agent5@demo.test", "agent6@demo.test", "mentor@demo.test", "mentor2@demo.test")
_FORM_OF = {"MSK": ("phone-shop", "chat-shop", "email-shop", "ticket-review"), "EKB": ("branch-visit", "phone-shop", "ticket-review")}


def _demo_answers(parsed, rng: random.Random, skill: float) -> dict:
    answers = {}
    for item in parsed.items():
        good = rng.random() < skill
        if item.type == "yes_no":
            answers[item.id] = good or (item.critical and rng.random() < 0.9)
        elif item.type == "scale":
            answers[item.id] = item.max if good else rng.randint(0, item.max)
        elif item.type == "stars":
            answers[item.id] = rng.randint(4, 5) if good else rng.randint(1, 4)
        elif item.type == "timer":
            limit = item.threshold or 120
            answers[item.id] = int(limit * (rng.uniform(0.2, 0.9) if good else rng.uniform(1.05, 2.5)))
        elif item.type == "text" and rng.random() < 0.3:
            answers[item.id] = "Polite and clear." if good else "Had to ask twice."
        if item.na and rng.random() < 0.1:
            answers[item.id] = "na"
    return answers


@demo.step(60)
def evaluations(ctx: dict) -> str:
    """Starter forms; three months of released evaluations in both branches; one open and one resolved dispute."""
    from sqlalchemy import func, select

    from qa.evaluations import services
    from qa.evaluations.models import Evaluation
    from servicecraft.extensions import db

    loaded = services.load_starter_forms(actor=None)
    users = ctx.get("users", {})
    if db.session.scalar(select(func.count(Evaluation.id)).where(Evaluation.source == "demo")):
        return f"{len(loaded)} evaluation forms (demo evaluations already there)"
    manager, shopper, shopper2 = users.get("manager@demo.test"), users.get("shopper@demo.test"), users.get("shopper2@demo.test")
    today = ctx.get("today") or datetime.now(timezone.utc).date()
    rng = random.Random(60)
    made: list[Evaluation] = []
    for index, email in enumerate(_DEMO_AGENTS):
        agent = users.get(email)
        if agent is None or agent.branch is None:
            continue
        skill = 0.7 + 0.03 * (index % 8)
        for number in range(6):  # two a month over three months
            slug = _FORM_OF.get(agent.branch.code, _FORM_OF["MSK"])[(index + number) % len(_FORM_OF.get(agent.branch.code, _FORM_OF["MSK"]))]
            version = services.latest_published(slug)
            if version is None:
                continue
            kind = version.form.kind
            author = manager if kind == "review" else (shopper if number % 2 else shopper2)
            when = datetime.combine(today - timedelta(days=5 + number * 15 + index), time(9 + (index + number) % 8, 15),
                                    tzinfo=timezone.utc)
            evaluation = services.start_evaluation(version, author=author, agent=agent, happened_at=when, source="demo")
            services.save_draft(evaluation, _demo_answers(services.definition(version), rng, skill), None)
            services.submit(evaluation, author)
            if kind == "mystery_shop" and number == 1 and index in (1, 4):
                services.return_for_correction(evaluation, manager, "Add the time you waited in the queue, please.")
                services.submit(evaluation, author)
            if number == 0 and index in (2, 5):
                continue  # left waiting for validation
            services.validate(evaluation, manager)
            services.release(evaluation, manager)
            if rng.random() < 0.3:
                services.add_comment(evaluation, manager, "Good structure; keep confirming the customer's need at the end.")
            made.append(evaluation)
    agent1, agent2 = users.get("agent1@demo.test"), users.get("agent2@demo.test")
    first = next((e for e in made if agent1 and e.agent_id == agent1.id), None)
    if first is not None:
        services.open_dispute(first, agent1, "The customer hung up before I could finish the greeting; please look at the recording.")
    second = next((e for e in made if agent2 and e.agent_id == agent2.id), None)
    if second is not None:
        dispute = services.open_dispute(second, agent2, "I did offer a follow-up call; it is in the ticket notes.")
        parsed = services.definition(second.form_version)
        yes_no = [i.id for i in parsed.scored_items() if i.type == "yes_no" and second.current_revision.answers.get(i.id) is False]
        if yes_no:
            services.resolve_dispute(dispute, manager, uphold=False, answers={yes_no[0]: True},
                                     resolution="Confirmed in the notes; the item is corrected.")
        else:
            services.resolve_dispute(dispute, manager, uphold=True, resolution="The recording confirms the evaluation.")
    db.session.flush()
    return f"{len(loaded)} evaluation forms, {len(made)} released evaluations, 2 disputes"
