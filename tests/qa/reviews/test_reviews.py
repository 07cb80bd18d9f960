"""Ticket reviews through the app: draw a sample, review a ticket, release it to the agent."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from qa.evaluations import services as evaluation_services
from qa.evaluations.models import Evaluation
from qa.reviews import services
from qa.reviews.models import ReviewItem, ReviewSample
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from tests.qa.reviews.helpers import good_answers, make_ticket, review_form


def _setup(app, make_user):
    manager = make_user(roles=["manager"], name="Quinn Reviewer")
    agent = make_user(roles=["agent"], name="Agnes Agent", live_since=date(2024, 1, 1))
    other = make_user(roles=["agent"], name="Otto Other", live_since=date(2024, 1, 1))
    with app.app_context():
        version_id = review_form().id
        day = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
        bad = [make_ticket(agent.id, solved_at=day, csat="negative").id for _ in range(3)]
        make_ticket(agent.id, solved_at=day, csat="positive")
        make_ticket(agent.id, solved_at=datetime(2026, 5, 1, tzinfo=UTC), csat="negative")   # outside the period
        make_ticket(None, solved_at=day, csat="negative")                                      # unlinked agent
        db.session.commit()
    return manager, agent, other, version_id, bad


def _post_sample(client, csrf_token, version_id, reviewer_id, **extra):
    data = {"csrf_token": csrf_token("/qa/reviews/samples/new"), "name": "Unhappy customers", "rule": "low_csat",
            "period_from": "2026-03-01", "period_to": "2026-03-31", "form_version_id": version_id,
            "reviewer_ids": [reviewer_id], "per_agent": "2", "first_reply_minutes": "1440", "resolution_hours": "72"}
    data.update(extra)
    return client.post("/qa/reviews/samples/new", data=data)


def test_a_sample_draws_the_rule_s_tickets_of_the_period(app, client, make_user, login, csrf_token):
    manager, _agent, _other, version_id, bad = _setup(app, make_user)
    login(client, manager)
    response = _post_sample(client, csrf_token, version_id, manager.id, seed="99")
    assert response.status_code == 302
    with app.app_context():
        sample = db.session.scalar(select(ReviewSample))
        assert sample.seed == 99 and sample.rule == "low_csat"
        assert sorted(i.ticket_id for i in sample.items) == sorted(bad)
        assert {i.reviewer_id for i in sample.items} == {manager.id}
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "review_sample")) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unhappy customers" in page and "0 released" in page


def test_the_same_seed_draws_the_same_tickets_from_the_database(app, make_user):
    manager = make_user(roles=["manager"])
    agents = [make_user(roles=["agent"]) for _ in range(3)]
    with app.app_context():
        version_id = review_form().id
        for agent in agents:
            for day in range(1, 15):
                make_ticket(agent.id, solved_at=datetime(2026, 3, day, 9, tzinfo=UTC))
        db.session.commit()
        actor = db.session.get(User, manager.id)

        def drawn(seed):
            sample = services.create_sample(actor, services.SampleInput(
                name="Random", rule="random", period_from=date(2026, 3, 1), period_to=date(2026, 3, 14),
                form_version_id=version_id, reviewer_ids=[manager.id], params={"per_agent": 2}, seed=seed))
            ids = [i.ticket_id for i in sample.items]
            assert len(ids) == len(set(ids))
            return ids

        first = drawn(5)
        # 3 agents x 3 ISO weeks (1 Mar is a Sunday) x up to 2 each: 1 + 2 + 2 per agent
        assert len(first) == 15
        assert drawn(5) == first
        db.session.rollback()


def test_bad_sample_input_names_the_field_and_saves_nothing(app, client, make_user, login, csrf_token):
    manager, _agent, _other, version_id, _bad = _setup(app, make_user)
    login(client, manager)
    response = _post_sample(client, csrf_token, version_id, manager.id, period_from="2026-04-01", rule="category")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The period ends before it starts." in page and "Choose the category to review." in page
    response = _post_sample(client, csrf_token, version_id, manager.id, rule="reopened")
    assert response.status_code == 422 and "No ticket of the period matches this rule." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReviewSample)) is None


def _sample_with_item(app, manager_id, agent_id, version_id):
    with app.app_context():
        ticket = make_ticket(agent_id, csat="negative", raw={"url": "https://help.example.test/tickets/7"})
        sample = ReviewSample(name="S", rule="low_csat", params={}, period_from=date(2026, 3, 1),
                              period_to=date(2026, 3, 31), seed=1, form_version_id=version_id, created_by_id=manager_id)
        sample.items = [ReviewItem(ticket_id=ticket.id, reviewer_id=manager_id, status="open")]
        db.session.add(sample)
        db.session.commit()
        return sample.items[0].id


def test_review_is_released_to_its_agent_only(app, client, make_user, login, csrf_token):
    manager, agent, other, version_id, _bad = _setup(app, make_user)
    item_id = _sample_with_item(app, manager.id, agent.id, version_id)
    login(client, manager)
    page = client.get(f"/qa/reviews/items/{item_id}").get_data(as_text=True)
    assert "https://help.example.test/tickets/7" in page and 'name="item-accuracy"' in page
    token = csrf_token(f"/qa/reviews/items/{item_id}")
    response = client.post(f"/qa/reviews/items/{item_id}", data={**good_answers(), "csrf_token": token,
                                                                 "action": "finish", "comment": "Nice work."})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(ReviewItem, item_id)
        evaluation = item.evaluation
        assert item.status == "done"
        assert evaluation.status == "released" and evaluation.kind == "review"
        assert (evaluation.subject_kind, evaluation.subject_ref) == ("ticket", str(item.ticket_id))
        assert evaluation.agent_id == agent.id and evaluation.author_id == manager.id
        assert evaluation.score is not None and evaluation.validated_by_id == manager.id
        assert [c.body for c in evaluation.comments] == ["Nice work."]
        assert evaluation_services.can_view_evaluation(db.session.get(User, agent.id), evaluation)
        assert not evaluation_services.can_view_evaluation(db.session.get(User, other.id), evaluation)
    # Released: the reviewer's page is read-only now and a second submit changes nothing.
    again = client.post(f"/qa/reviews/items/{item_id}", data={**good_answers(), "csrf_token": token, "action": "finish"})
    assert again.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Evaluation).where(Evaluation.id == evaluation.id)).current_revision.number == 1


def test_incomplete_review_is_refused_and_kept_as_draft(app, client, make_user, login, csrf_token):
    manager, agent, _other, version_id, _bad = _setup(app, make_user)
    item_id = _sample_with_item(app, manager.id, agent.id, version_id)
    login(client, manager)
    token = csrf_token(f"/qa/reviews/items/{item_id}")
    answers = good_answers()
    del answers["item-polite"]
    answers["item-accuracy"] = "9"
    response = client.post(f"/qa/reviews/items/{item_id}", data={**answers, "csrf_token": token, "action": "finish"})
    assert response.status_code == 422
    with app.app_context():
        item = db.session.get(ReviewItem, item_id)
        assert item.status == "open" and item.evaluation is None
    answers["item-accuracy"] = "3"
    response = client.post(f"/qa/reviews/items/{item_id}", data={**answers, "csrf_token": token, "action": "finish"})
    assert response.status_code == 422
    with app.app_context():
        item = db.session.get(ReviewItem, item_id)
        assert item.status == "open" and item.evaluation is None      # rolled back: nothing half-saved
    response = client.post(f"/qa/reviews/items/{item_id}", data={**answers, "csrf_token": token, "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(ReviewItem, item_id)
        assert item.status == "in_progress" and item.evaluation.status == "draft"
        assert item.evaluation.draft_answers["accuracy"] == 3


def test_only_the_assigned_reviewer_reviews(app, client, make_user, login, csrf_token):
    manager, agent, _other, version_id, _bad = _setup(app, make_user)
    item_id = _sample_with_item(app, manager.id, agent.id, version_id)
    colleague = make_user(roles=["manager"])
    login(client, colleague)
    page = client.get(f"/qa/reviews/items/{item_id}").get_data(as_text=True)
    assert 'name="item-accuracy"' not in page          # read-only for other QA staff
    token = csrf_token(f"/qa/reviews/items/{item_id}")
    response = client.post(f"/qa/reviews/items/{item_id}", data={**good_answers(), "csrf_token": token, "action": "finish"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(ReviewItem, item_id).status == "open"


def test_queue_and_dashboard_panel_show_the_reviewer_s_tickets(app, client, make_user, login):
    manager, agent, _other, version_id, _bad = _setup(app, make_user)
    item_id = _sample_with_item(app, manager.id, agent.id, version_id)
    login(client, manager)
    assert f"/qa/reviews/items/{item_id}" in client.get("/qa/reviews/queue").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Tickets to review" in home and f"/qa/reviews/items/{item_id}" in home
    assert "Ticket reviews" in home   # navigation link


def test_skip_needs_a_reason_and_is_audited(app, client, make_user, login, csrf_token):
    manager, agent, _other, version_id, _bad = _setup(app, make_user)
    item_id = _sample_with_item(app, manager.id, agent.id, version_id)
    login(client, manager)
    token = csrf_token(f"/qa/reviews/items/{item_id}")
    client.post(f"/qa/reviews/items/{item_id}/skip", data={"csrf_token": token, "reason": ""})
    with app.app_context():
        assert db.session.get(ReviewItem, item_id).status == "open"
    client.post(f"/qa/reviews/items/{item_id}/skip", data={"csrf_token": token, "reason": "Spam"})
    with app.app_context():
        assert db.session.get(ReviewItem, item_id).status == "skipped"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "review_item"))
        assert entry.action == "skip" and entry.reason == "Spam"
