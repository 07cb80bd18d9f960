"""The QA panels of a manager's dashboard run a few queries, however many agents and evaluations there are."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, time, timedelta

from flask import render_template
from flask_login import login_user
from sqlalchemy import event, select

from qa.bonus.models import BonusRound
from qa.calibration.models import CalibrationSession, CalibrationSheet
from qa.evaluations.models import Dispute, Evaluation, EvaluationForm, EvaluationRevision, FormVersion
from qa.missions.models import Mission
from qa.reviews.models import ReviewItem, ReviewSample
from qa.scorecards import services
from qa.tickets.models import Ticket
from servicecraft import cache, dashboard
from servicecraft.extensions import db
from servicecraft.models import Branch, User

QA_PANELS_OF_A_MANAGER = {"missions-validate", "bonus-waiting", "scorecard-top", "reviews-queue", "tickets-status",
                          "calibration-waiting", "qa-open-disputes", "calibration-to-score", "qa-waiting-validation"}
# The work-queue panels: each lists its first rows (and says how many there are) in one query.
ONE_QUERY_PANELS = QA_PANELS_OF_A_MANAGER - {"scorecard-top", "tickets-status"}
# What they run together once the scorecards are cached, and when they are computed afresh.
WARM_LIMIT = 7
COLD_LIMIT = 23

_serial = itertools.count(1)


def _qa_panels(app, manager_id: int) -> tuple[dict[str, int], dict[str, str]]:
    """Gather and render every QA panel the manager sees, as the dashboard does.

    Return the queries each panel ran (gathering and rendering) and the HTML of those shown.
    """
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    queries, shown = {}, {}
    with app.test_request_context("/"):
        user = db.session.get(User, manager_id)
        login_user(user)
        user.has_role("manager")
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for panel in sorted(dashboard._PANELS.values(), key=lambda p: (p.order, p.name)):
                if not panel.context.__module__.startswith("qa.") or not user.has_role(*panel.roles):
                    continue
                before = len(statements)
                data = panel.context(user)
                if data is not None:
                    shown[panel.name] = render_template(panel.template, d=data, panel=panel)
                queries[panel.name] = len(statements) - before
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return queries, shown


def _qa_panel_queries(app, manager_id: int) -> tuple[int, set[str]]:
    """Return the queries the manager's QA panels run together, and the panels shown."""
    queries, shown = _qa_panels(app, manager_id)
    return sum(queries.values()), set(shown)


def _form() -> FormVersion:
    """A form of its own (so nothing is shared between the rows a panel lists)."""
    n = next(_serial)
    form = EvaluationForm(slug=f"panel-form-{n}", kind="review", title={"en": f"Form {n}"})
    return FormVersion(form=form, status="published", source="", fingerprint="sha256:" + "0" * 64)


def _evaluation(status: str, moment: datetime, *, agent_id=None, branch_id=None, score=80.0) -> Evaluation:
    evaluation = Evaluation(form_version=_form(), kind="review", status=status, agent_id=agent_id, branch_id=branch_id,
                            happened_at=moment, submitted_at=moment, released_at=moment if status == "released" else None)
    db.session.add(evaluation)
    db.session.flush()
    revision = EvaluationRevision(evaluation_id=evaluation.id, answers={}, score=score, critical_fail=False)
    db.session.add(revision)
    db.session.flush()
    evaluation.current_revision_id = revision.id
    return evaluation


def _add_work(app, make_user, manager_id: int, other_manager_id: int, count: int) -> None:
    """Add *count* of everything the QA panels list: agents with scores, evaluations, disputes, queues."""
    with app.app_context():
        branch = Branch(code=f"P{next(_serial)}", name="Panel branch", region="North")
        db.session.add(branch)
        db.session.commit()
        branch_id = branch.id
        period = services.default_period()
    moment = datetime.combine(period.start, time(12), UTC) + timedelta(days=1)
    agents = [make_user(roles=["agent"], branch_id=branch_id) for _ in range(count)]
    shoppers = [make_user(roles=["shopper"]) for _ in range(count)]
    reviewers = [make_user(roles=["mentor"]) for _ in range(2 * count)]
    with app.app_context():
        for index, agent in enumerate(agents):
            n = next(_serial)
            released = _evaluation("released", moment, agent_id=agent.id, score=50.0 + index)
            db.session.add(Dispute(evaluation_id=released.id, raised_by_id=agent.id, reason="Please look again."))
            _evaluation("submitted", moment, agent_id=agent.id)
            _evaluation("submitted", moment, branch_id=branch_id)
            ticket = Ticket(source="zendesk", external_id=f"panel-{n}", source_updated_at=moment, status="solved",
                            solved_at=moment, agent_id=agent.id)
            sample = ReviewSample(name=f"Sample {n}", rule="random", period_from=period.start, period_to=period.end,
                                  seed=n, form_version=_form())
            db.session.add_all([ticket, sample])
            db.session.add(ReviewItem(sample=sample, ticket=ticket, reviewer_id=manager_id))
            db.session.add(Mission(title=f"Shop {n}", channel="phone", form_version=_form(), window_start=moment,
                                   window_end=moment + timedelta(days=3), status="submitted",
                                   shopper_id=shoppers[index].id, submitted_at=moment))
            mine = CalibrationSession(title=f"Mine {n}", form_version=_form(), owner_id=manager_id, status="open")
            for reviewer in reviewers[2 * index:2 * index + 2]:
                mine.sheets.append(CalibrationSheet(reviewer_id=reviewer.id, status="submitted"))
            theirs = CalibrationSession(title=f"Theirs {n}", form_version=_form(), owner_id=other_manager_id, status="open")
            theirs.sheets.append(CalibrationSheet(reviewer_id=manager_id, status="invited"))
            db.session.add_all([mine, theirs, BonusRound(
                name=f"Round {n}", period_from=period.start, period_to=period.end, status="submitted",
                opened_by_id=other_manager_id, submitted_by_id=other_manager_id, submitted_at=moment)])
        db.session.commit()


def test_qa_panels_run_a_bounded_number_of_queries(app, make_user):
    manager = make_user(roles=["manager"], name="Manager")
    other = make_user(roles=["manager"], name="Other manager")

    _add_work(app, make_user, manager.id, other.id, 2)
    cache.clear(app)
    cold_small, shown_small = _qa_panel_queries(app, manager.id)
    warm_small, _shown = _qa_panel_queries(app, manager.id)

    _add_work(app, make_user, manager.id, other.id, 5)  # seven of everything
    cache.clear(app)
    cold_large, shown_large = _qa_panel_queries(app, manager.id)
    warm_large, _shown = _qa_panel_queries(app, manager.id)

    assert shown_small == shown_large == QA_PANELS_OF_A_MANAGER
    assert (cold_large, warm_large) == (cold_small, warm_small)  # no query per row
    assert warm_small < cold_small  # the scorecards came from the cache
    assert warm_small <= WARM_LIMIT and cold_small <= COLD_LIMIT, (warm_small, cold_small)


def test_each_work_queue_panel_runs_one_query_full_or_empty(app, make_user):
    manager = make_user(roles=["manager"], name="Manager")
    other = make_user(roles=["manager"], name="Other manager")

    empty, shown = _qa_panels(app, manager.id)
    assert not shown.keys() & ONE_QUERY_PANELS
    assert {name: empty[name] for name in ONE_QUERY_PANELS} == dict.fromkeys(ONE_QUERY_PANELS, 1)

    _add_work(app, make_user, manager.id, other.id, 7)  # more than any panel lists
    full, shown = _qa_panels(app, manager.id)
    assert ONE_QUERY_PANELS <= shown.keys()
    assert {name: full[name] for name in ONE_QUERY_PANELS} == dict.fromkeys(ONE_QUERY_PANELS, 1)


def _links(html: str, prefix: str) -> list[int]:
    return [int(number) for number in re.findall(rf'href="{re.escape(prefix)}(\d+)[^"]*"', html)]


def test_work_queue_panels_list_the_first_rows_and_count_them_all(app, make_user):
    manager = make_user(roles=["manager"], name="Manager")
    other = make_user(roles=["manager"], name="Other manager")
    _add_work(app, make_user, manager.id, other.id, 7)
    with app.app_context():
        items = db.session.execute(select(ReviewItem.id).join(ReviewItem.sample).where(ReviewItem.reviewer_id == manager.id)
                                   .order_by(ReviewSample.created_at, ReviewItem.id)).scalars().all()
        missions = db.session.scalars(select(Mission.id).where(Mission.status == "submitted")
                                      .order_by(Mission.submitted_at, Mission.id)).all()
        waiting = db.session.scalars(select(Evaluation.id).where(Evaluation.status == "submitted")
                                     .order_by(Evaluation.submitted_at, Evaluation.id)).all()
        rounds = db.session.scalars(select(BonusRound.id).order_by(BonusRound.submitted_at, BonusRound.id)).all()

    _queries, shown = _qa_panels(app, manager.id)

    assert "7 tickets wait for your review." in shown["reviews-queue"]
    assert _links(shown["reviews-queue"], "/qa/reviews/items/") == items[:5]
    assert "7 shops waiting" in shown["missions-validate"]
    assert _links(shown["missions-validate"], "/qa/missions/") == missions[:5]
    assert "14 evaluations wait for a validator." in shown["qa-waiting-validation"]
    assert _links(shown["qa-waiting-validation"], "/qa/evaluations/") == waiting[:8]
    assert len(_links(shown["qa-open-disputes"], "/qa/evaluations/disputes/")) == 7
    assert _links(shown["bonus-waiting"], "/qa/bonus/") == rounds[:5]
    assert shown["calibration-waiting"].count("ready to reveal") == 7
    assert shown["calibration-to-score"].count("<li>") == 7


def _page_queries(app, client, path: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_review_queue_the_panel_links_to_runs_no_query_per_item(app, client, make_user, login):
    manager = make_user(roles=["manager"], name="Manager")
    other = make_user(roles=["manager"], name="Other manager")
    login(client, manager)
    _add_work(app, make_user, manager.id, other.id, 2)
    small = _page_queries(app, client, "/qa/reviews/queue")
    _add_work(app, make_user, manager.id, other.id, 5)
    assert _page_queries(app, client, "/qa/reviews/queue") == small
    assert client.get("/qa/reviews/queue").get_data(as_text=True).count("/qa/reviews/items/") == 7
