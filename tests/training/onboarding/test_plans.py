"""The pure plan module: template checks and due dates."""

from datetime import date

from training.onboarding import plans
from training.onboarding.plans import ItemSpec


def spec(key, offset=0, deps=(), **kw):
    return ItemSpec(key, {"en": key.title()}, due_offset_days=offset, depends_on=tuple(deps), **kw)


def test_the_starter_template_is_valid():
    assert plans.validate(plans.STARTER_ITEMS) == []


def test_a_cycle_is_named_in_the_message():
    problems = plans.validate([spec("a", 5, ["c"]), spec("b", 5, ["a"]), spec("c", 5, ["b"])])
    assert len(problems) == 1
    assert "Circular dependency" in problems[0]
    assert all(k in problems[0] for k in ("a", "b", "c"))
    assert plans.find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]


def test_offsets_dependencies_and_links_are_checked():
    problems = plans.validate([
        spec("early", 2, ["late"]), spec("late", 10), spec("neg", -1), spec("self", 1, ["self"]),
        spec("ghost", 3, ["nobody"]), ItemSpec("course", {"en": "C"}, kind="course"), spec("dup", 20), spec("dup", 20),
        ItemSpec("x", {"en": ""}, ticked_by="boss"),
    ])
    text = "\n".join(problems)
    assert "early is due on day 2 but depends on late, due later on day 10" in text
    assert "neg: the due offset must be 0 days or more" in text
    assert "self depends on itself" in text
    assert "depends on nobody, which is not in the template" in text
    assert "needs a link" in text
    assert "key is used twice" in text
    assert "x: a title is required" in text and "who ticks it" in text


def test_due_dates_count_from_the_start_date():
    start = date(2026, 3, 2)
    assert plans.due_dates([spec("a", 0), spec("b", 30)], start) == {"a": start, "b": date(2026, 4, 1)}


def test_blocking_and_due_status():
    assert plans.blocking(["a", "b"], ["a"]) == ["b"]
    today = date(2026, 3, 10)
    assert plans.due_status(date(2026, 3, 9), False, today) == "overdue"
    assert plans.due_status(date(2026, 3, 9), True, today) is None
    assert plans.due_status(date(2026, 3, 12), False, today) == "due_soon"
    assert plans.due_status(date(2026, 4, 12), False, today) == "on_track"


def test_order_puts_dependencies_first_on_the_same_day():
    ordered = plans.order([spec("b", 5, ["a"]), spec("a", 5), spec("z", 1)])
    assert [i.key for i in ordered] == ["z", "a", "b"]
