"""Who may open each route of qa.reviews (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})

EXPECTED: dict = {
    "qa.reviews.index": MANAGERS,
    "qa.reviews.new": MANAGERS,
    "qa.reviews.sample": MANAGERS,
    "qa.reviews.queue": MANAGERS,
    # The sample item is assigned to the matrix manager; admins may read it (QA staff see all).
    "qa.reviews.review": MANAGERS,
    # POST-only: the role rule answers first; ownership is checked after CSRF (tested separately).
    "qa.reviews.comment": MANAGERS,
    "qa.reviews.skip": MANAGERS,
    "qa.reviews.reassign": MANAGERS,
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from qa.reviews.models import ReviewItem, ReviewSample
    from servicecraft.extensions import db
    from tests.qa.reviews.helpers import make_ticket, review_form

    with app.app_context():
        version = review_form()
        ticket = make_ticket(users["agent"].id, external_id="matrix-review-1")
        sample = ReviewSample(name="Matrix sample", rule="low_csat", params={}, period_from=ticket.solved_at.date(),
                              period_to=ticket.solved_at.date(), seed=1, form_version_id=version.id,
                              created_by_id=users["manager"].id)
        sample.items = [ReviewItem(ticket_id=ticket.id, reviewer_id=users["manager"].id, status="open")]
        db.session.add(sample)
        db.session.commit()
        return {"sample_id": sample.id, "item_id": sample.items[0].id}
