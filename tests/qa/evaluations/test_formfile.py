"""Form files (forms.md): parsing, every problem reported, dump round trip, fingerprint."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.evaluations.formfile import (
    FormError,
    Item,
    dump_form,
    form_fingerprint,
    parse_form,
)
from tests.qa.evaluations.helpers import EXAMPLE_FORM, example_form

STARTERS = Path(__file__).resolve().parents[3] / "qa" / "evaluations" / "starter_forms"
STARTER_IDS = ["branch-visit", "chat-shop", "email-shop", "phone-shop", "ticket-review"]


def test_example_form_reads_into_the_model():
    form = example_form()
    assert (form.id, form.kind, form.channel, form.languages) == (
        "phone-shop", "mystery_shop", "phone", ("en", "ru"))
    assert [s.title["en"] for s in form.sections] == ["Greeting", "Handling"]
    assert form.item("answer_time") == Item(
        id="answer_time", type="timer", text={"en": "Seconds until answered", "ru": "Секунды до ответа"},
        weight=2, threshold=60)
    assert form.item("listened").max == 4 and form.item("listened").points == 4
    assert form.item("polite").critical and form.item("identified").na
    assert form.item("overall").points == 4
    # Information items carry no weight; the timer without a threshold is one of them.
    assert form.item("hold_time").weight is None and not form.item("hold_time").is_scored
    assert [i.id for i in form.scored_items()] == [
        "answer_time", "greeting", "identified", "listened", "polite", "overall"]


def test_weight_defaults_to_1_for_scored_items():
    form = parse_form(EXAMPLE_FORM.replace(", weight: 1}", "}"), "f.yaml")
    assert form.item("greeting").weight == 1
    assert form_fingerprint(form) == form_fingerprint(example_form())


@pytest.mark.parametrize("form_id", STARTER_IDS)
def test_starter_forms_are_valid_and_round_trip(form_id):
    path = STARTERS / f"{form_id}.yaml"
    form = parse_form(path.read_text(encoding="utf-8"), str(path))
    assert form.id == form_id
    assert form.languages == ("en", "ru")
    assert parse_form(dump_form(form), "dumped.yaml") == form
    assert form_fingerprint(parse_form(dump_form(form), "x.yaml")) == form_fingerprint(form)
    items = list(form.items())
    assert any(i.critical for i in items)
    assert any(i.type == "timer" and i.threshold for i in items)
    assert all(isinstance(i.text, dict) and i.text["ru"].strip() for i in items)


def test_starter_forms_cover_the_kinds_and_evidence():
    forms = {p.stem: parse_form(p.read_text(encoding="utf-8"), p.name) for p in STARTERS.glob("*.yaml")}
    assert sorted(forms) == STARTER_IDS
    assert forms["ticket-review"].kind == "review"
    assert {f.channel for k, f in forms.items() if k != "ticket-review"} == {"phone", "chat", "email", "office"}
    assert any(i.type == "photo" for i in forms["branch-visit"].items())
    assert any(i.na for i in forms["phone-shop"].items())


def test_dump_round_trips_the_example():
    form = example_form()
    text = dump_form(form)
    assert text.startswith("format: 1\nid: phone-shop\n")
    assert parse_form(text, "again.yaml") == form


def test_fingerprint_ignores_layout_but_not_meaning():
    base = form_fingerprint(example_form())
    relaid = "# a comment\n" + EXAMPLE_FORM.replace("title: {en: Phone mystery shop, ru: Тайный звонок}",
                                                    "title:\n  ru: Тайный звонок\n  en: 'Phone mystery shop'")
    assert form_fingerprint(parse_form(relaid, "f.yaml")) == base
    for old, new in [("weight: 3", "weight: 4"), ("threshold: 60", "threshold: 45"),
                     ("Greeted", "Greeted warmly"), ("na: true", "na: false"),
                     ("critical: true", "critical: false")]:
        changed = parse_form(EXAMPLE_FORM.replace(old, new, 1), "f.yaml")
        assert form_fingerprint(changed) != base, old


BROKEN = """\
format: 2
id: Phone Shop
title: {en: Broken, ru: Сломано}
kind: secret_shop
channel: fax
languages: [en, ru]
colour: blue
sections:
  - title: {en: One}
    items:
      - {id: greeting, type: yes_no, text: {en: Hi, ru: Привет}, weight: 0}
      - {id: greeting, type: yes_no, text: {en: Hi again, ru: Снова}}
      - {id: listened, type: scale, text: {en: L, ru: Л}}
      - {id: wait, type: timer, text: {en: W, ru: Ж}, threshold: -5}
      - {id: photo, type: photo, text: {en: P, ru: П}, weight: 2, critical: true}
      - {id: stars, type: stars, text: {en: S, ru: З}, max: 5, na: "yes please"}
      - {id: Bad-Id, type: checkbox, text: {en: B, ru: Б}, colour: red}
      - {id: branch, type: yes_no, text: {en: B, ru: Б}, protocol: "not a ref!"}
      - {type: text}
      - {id: talk, type: text, text: {en: T, ru: Т, fr: T}, threshold: 3}
  - title: {en: Two, ru: Два}
    items: []
"""


def test_broken_form_names_every_problem():
    with pytest.raises(FormError) as caught:
        parse_form(BROKEN, "broken.yaml")
    lines = [str(p) for p in caught.value.problems]
    expected = [
        "broken.yaml, line 7: field colour is not a known field",
        "broken.yaml, line 1: field format must be the number 1",
        "broken.yaml, line 2: field id must be made of lower-case letters",
        "broken.yaml, line 4: field kind must be one of: mystery_shop, review",
        "broken.yaml, line 5: field channel must be one of: phone, chat, email, office, social",
        "broken.yaml, line 9: section 1, field title has no text in ru",
        "broken.yaml, line 11: section 1, item greeting, field weight must be a number above 0",
        "broken.yaml, line 12: section 1, item greeting, field id 'greeting' is already used by section 1, item greeting",
        "broken.yaml, line 13: section 1, item listened, field max is required but missing",
        "broken.yaml, line 14: section 1, item wait, field threshold must be a number of seconds, 0 or more",
        "broken.yaml, line 15: section 1, item photo, field weight does not apply: this item carries no score (a photo item)",
        "broken.yaml, line 15: section 1, item photo, field critical does not apply",
        "broken.yaml, line 16: section 1, item stars, field max applies only to items of type scale",
        "broken.yaml, line 16: section 1, item stars, field na must be true or false",
        "broken.yaml, line 17: section 1, item Bad-Id, field colour is not a known field",
        "broken.yaml, line 17: section 1, item Bad-Id, field id must start with a lower-case letter",
        "broken.yaml, line 17: section 1, item Bad-Id, field type must be one of: yes_no, scale",
        "broken.yaml, line 18: section 1, item branch, field id 'branch' is a column name of the results file",
        "broken.yaml, line 18: section 1, item branch, field protocol must name a protocol section",
        "broken.yaml, line 19: section 1, item 9, field id is required but missing",
        "broken.yaml, line 19: section 1, item 9, field text is required but missing",
        "broken.yaml, line 20: section 1, item talk, field text has text in fr, which the form's languages do not list",
        "broken.yaml, line 20: section 1, item talk, field threshold applies only to items of type timer",
        "broken.yaml, line 22: section 2, field items must be a non-empty list of items",
    ]
    for wanted in expected:
        assert any(line.startswith(wanted) for line in lines), (wanted, lines)
    assert len(lines) == len(expected), lines


def test_missing_top_level_fields_and_languages():
    with pytest.raises(FormError) as caught:
        parse_form("format: 1\nid: x\ntitle: X\n", "short.yaml")
    text = str(caught.value)
    for field in ("kind", "channel", "languages", "sections"):
        assert f"short.yaml, line 1: field {field} is required but missing" in text


def test_text_in_one_language_only_is_reported_per_language():
    source = EXAMPLE_FORM.replace("{en: Greeted, ru: Поздоровался}", "Greeted")
    with pytest.raises(FormError) as caught:
        parse_form(source, "f.yaml")
    assert str(caught.value) == "f.yaml, line 11: section 1, item greeting, field text has no text in ru"


def test_duplicate_yaml_keys_are_reported():
    source = EXAMPLE_FORM.replace("kind: mystery_shop\n", "kind: mystery_shop\nkind: review\n")
    with pytest.raises(FormError) as caught:
        parse_form(source, "f.yaml")
    assert str(caught.value) == "f.yaml, line 5: field kind is written twice in the same place"


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(FormError) as caught:
        parse_form("format: 1\nid: [unclosed\ntitle: x\n", "bad.yaml")
    assert caught.value.problems[0].line == 3
    assert str(caught.value).startswith("bad.yaml, line 3: the file is not valid YAML")


@pytest.mark.parametrize("source", ["", "- a list\n", "just words", "42"])
def test_file_that_is_not_a_form(source):
    with pytest.raises(FormError, match="the file must hold a form"):
        parse_form(source, "f.yaml")


def test_known_protocols_are_checked_when_given():
    source = EXAMPLE_FORM.replace("weight: 3}", "weight: 3, protocol: complaint-handling#listen}")
    assert parse_form(source, "f.yaml", known_protocols={"complaint-handling#listen"}).item(
        "listened").protocol == "complaint-handling#listen"
    with pytest.raises(FormError, match="is not a known service-protocol section"):
        parse_form(source, "f.yaml", known_protocols=lambda ref: ref.startswith("greeting"))


def test_bytes_must_be_utf8():
    with pytest.raises(FormError, match="not UTF-8"):
        parse_form("title: Тайный".encode("cp1251"), "f.yaml")
    assert parse_form(EXAMPLE_FORM.encode("utf-8"), "f.yaml") == example_form()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}#&*!|>'\"\n 12yesno\t,.%@")), max_size=120))
def test_random_text_only_ever_raises_form_error(text):
    try:
        parse_form(text, "random.yaml")
    except FormError as exc:
        assert exc.problems and all(str(p).startswith("random.yaml") for p in exc.problems)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_example_only_ever_raises_form_error(data):
    lines = EXAMPLE_FORM.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=40))
    try:
        parse_form("\n".join(lines), "mutated.yaml")
    except FormError:
        pass
