"""The curriculum loader reports every problem in plain words, naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.curriculum.loader import (
    CurriculumError,
    load_curriculum,
    load_protocols,
    protocol_links,
    protocol_references,
)

COURSE_YAML = """\
slug: demo
onboarding: true
order: 1
languages: [en, ru]
title: {en: Demo, ru: Демо}
summary: {en: A demo course., ru: Демонстрационный курс.}
pass_mark: 80
modules:
  - title: {en: Basics, ru: Основы}
    lessons: [first]
quiz: quiz
protocols: [steps]
"""
LESSON = {
    "en": "# First lesson\n\nListen first. See [the step](protocol:steps#listen).\n",
    "ru": "# Первый урок\n\nСначала выслушайте. См. [шаг](protocol:steps#listen).\n",
}
QUIZ = "// demo\n$CATEGORY: demo\n\n::Q1::Listening matters.{TRUE}\n"
PROTOCOL_YAML = "slug: steps\ntitle: {en: Steps, ru: Шаги}\nlanguages: [en, ru]\nversion: 1\n"
PROTOCOL = {
    "en": "# Steps\n\n## Listen\n\nLet the customer finish.\n\n## Close\n\nThank the customer.\n",
    "ru": "# Шаги\n\n## Выслушайте\n\nДайте клиенту договорить.\n\n## Завершите\n\nПоблагодарите клиента.\n",
}


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path):
    """A minimal valid curriculum and protocol library; tests break one thing at a time."""
    courses, protocols = tmp_path / "curriculum", tmp_path / "protocols"
    _write(courses / "demo" / "course.yaml", COURSE_YAML)
    for lang in ("en", "ru"):
        _write(courses / "demo" / "lessons" / f"first.{lang}.md", LESSON[lang])
        _write(courses / "demo" / f"quiz.{lang}.gift", QUIZ)
        _write(protocols / "steps" / f"steps.{lang}.md", PROTOCOL[lang])
    _write(protocols / "steps" / "protocol.yaml", PROTOCOL_YAML)
    return courses, protocols


def _problems(tree) -> list[str]:
    courses, protocols = tree
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(courses, protocols=load_protocols(protocols))
    return [str(p) for p in caught.value.problems]


def _protocol_problems(tree) -> list[str]:
    with pytest.raises(CurriculumError) as caught:
        load_protocols(tree[1])
    return [str(p) for p in caught.value.problems]


def test_a_valid_tree_loads(tree):
    courses, protocols = tree
    (course,) = load_curriculum(courses, protocols=load_protocols(protocols))
    assert course.slug == "demo" and course.onboarding and course.order == 1
    assert course.lessons[0].title == {"en": "First lesson", "ru": "Первый урок"}
    assert course.lessons[0].body("ru").startswith("Сначала выслушайте")
    assert course.quiz["ru"] == QUIZ
    assert course.quiz_files["en"] == "curriculum/demo/quiz.en.gift"


def test_protocol_sections_have_canonical_and_local_anchors(tree):
    (protocol,) = load_protocols(tree[1])
    assert [s.anchor for s in protocol.sections] == ["listen", "close"]
    assert protocol.local_anchor("listen", "ru") == "выслушайте"
    assert protocol.section("nowhere") is None and protocol.local_anchor("nowhere", "ru") is None
    assert protocol_references([protocol]) == {"steps", "steps#listen", "steps#close"}


def test_protocol_links_are_found_in_markdown():
    text = "See [a](protocol:steps#listen), [b]( protocol:routing ) and [c](https://example.org)."
    assert protocol_links(text) == [("steps", "listen"), ("routing", None)]


def test_missing_language_file_is_named(tree):
    (tree[0] / "demo" / "lessons" / "first.ru.md").unlink()
    assert _problems(tree) == ["curriculum/demo/lessons/first.ru.md: the file is missing"]


def test_empty_lesson_and_missing_title(tree):
    _write(tree[0] / "demo" / "lessons" / "first.en.md", "# First lesson\n\n")
    _write(tree[0] / "demo" / "lessons" / "first.ru.md", "Первый урок без заголовка\n")
    assert _problems(tree) == [
        "curriculum/demo/lessons/first.en.md: the lesson has a title but no text",
        "curriculum/demo/lessons/first.ru.md, line 1: the first line must be the lesson title, written as '# Title'",
    ]


def test_bad_slug_and_folder_mismatch(tree):
    courses = tree[0]
    _write(courses / "demo" / "course.yaml", COURSE_YAML.replace("slug: demo", "slug: Demo_Course"))
    assert "field slug: 'Demo_Course' is not a valid slug" in "\n".join(_problems(tree))
    _write(courses / "demo" / "course.yaml", COURSE_YAML.replace("slug: demo", "slug: other"))
    assert _problems(tree) == ["curriculum/demo/course.yaml, field slug: 'other' must equal the folder name 'demo'"]


def test_every_problem_is_reported_at_once(tree):
    broken = (COURSE_YAML.replace("ru: Демо}", "de: Demo}")
              .replace("pass_mark: 80", "pass_mark: 180\ncolour: blue")
              .replace("order: 1", "order: first"))
    _write(tree[0] / "demo" / "course.yaml", broken)
    problems = _problems(tree)
    assert "curriculum/demo/course.yaml, field colour: 'colour' is not a known field (check the spelling)" in problems
    assert "curriculum/demo/course.yaml, field pass_mark: must be a whole number from 1 to 100" in problems
    assert "curriculum/demo/course.yaml, field order: must be a whole number of 1 or more" in problems
    assert "curriculum/demo/course.yaml, field title: has no text in 'ru'" in problems
    assert "curriculum/demo/course.yaml, field title: has a text in 'de', which is not in the course's languages" in problems


def test_missing_required_fields(tree):
    _write(tree[0] / "demo" / "course.yaml", "slug: demo\nlanguages: [en]\n")
    problems = _problems(tree)
    for name in ("title", "summary", "modules", "quiz"):
        assert f"curriculum/demo/course.yaml, field {name}: is required" in problems


def test_invalid_yaml_names_the_line(tree):
    _write(tree[0] / "demo" / "course.yaml", "slug: demo\ntitle: {en: [unclosed\n")
    (problem,) = _problems(tree)
    assert problem.startswith("curriculum/demo/course.yaml, line ") and "not valid YAML" in problem


def test_not_utf8_and_raw_html(tree):
    _write(tree[0] / "demo" / "lessons" / "first.en.md", "# First\n\nCafé".encode("latin-1"))
    _write(tree[0] / "demo" / "lessons" / "first.ru.md", "# Первый\n\nТекст <script>alert(1)</script>\n")
    assert _problems(tree) == [
        "curriculum/demo/lessons/first.en.md: the file is not UTF-8 text; save it as UTF-8",
        "curriculum/demo/lessons/first.ru.md, line 3: raw HTML ('<script>') is not allowed; write Markdown",
    ]


def test_quiz_without_category_line(tree):
    _write(tree[0] / "demo" / "quiz.ru.gift", "::Q1::Слушать важно.{TRUE}\n")
    assert _problems(tree) == [
        "curriculum/demo/quiz.ru.gift, line 1: the quiz must start with the line '$CATEGORY: demo' followed by a blank line"
    ]


def test_broken_protocol_links(tree):
    _write(tree[0] / "demo" / "lessons" / "first.en.md", "# First\n\n[x](protocol:steps#nowhere) [y](protocol:ghost#a)\n")
    assert _problems(tree) == [
        "curriculum/demo/lessons/first.en.md: the link 'protocol:steps#nowhere' names no section of protocol 'steps'",
        "curriculum/demo/lessons/first.en.md: 'ghost' is not a known service protocol",
    ]


def test_link_to_a_protocol_the_course_does_not_list(tree):
    _write(tree[0] / "demo" / "course.yaml", COURSE_YAML.replace("protocols: [steps]", "protocols: []"))
    problems = _problems(tree)
    assert problems[0] == ("curriculum/demo/lessons/first.en.md: the lessons link to protocol 'steps'; "
                           "add it to the course's protocols list")


def test_orphan_lesson_and_stray_folder(tree):
    _write(tree[0] / "demo" / "lessons" / "spare.en.md", "# Spare\n\nText.\n")
    (tree[0] / "notes").mkdir()
    (tree[0] / "__pycache__").mkdir()  # Python's own folders are not courses
    assert _problems(tree) == [
        "curriculum/demo/lessons/spare.en.md: lesson 'spare' is not listed in any module",
        "curriculum/notes: the folder has no course.yaml",
    ]


def test_duplicate_onboarding_position(tree):
    courses = tree[0]
    for name in ("course.yaml", "lessons/first.en.md", "lessons/first.ru.md"):
        _write(courses / "again" / name, (courses / "demo" / name).read_text(encoding="utf-8"))
    _write(courses / "again" / "course.yaml", COURSE_YAML.replace("slug: demo", "slug: again"))
    for lang in ("en", "ru"):
        _write(courses / "again" / f"quiz.{lang}.gift", QUIZ.replace("demo", "again"))
    assert _problems(tree) == [
        "curriculum/demo/course.yaml, field order: onboarding position 1 is already taken by course 'again'"
    ]


def test_protocol_translations_must_mirror_sections(tree):
    _write(tree[1] / "steps" / "steps.ru.md", "# Шаги\n\n## Выслушайте\n\nДайте договорить.\n")
    assert _protocol_problems(tree) == [
        "protocols/steps/steps.ru.md: the 'ru' document has 1 sections but the 'en' one has 2; "
        "every language must list the same sections in the same order"
    ]


def test_protocol_versions_need_their_files(tree):
    _write(tree[1] / "steps" / "protocol.yaml", PROTOCOL_YAML.replace("version: 1", "version: 2\nversions: [1, 2]"))
    _write(tree[1] / "steps" / "steps.v2.en.md", PROTOCOL["en"].replace("finish", "finish, always"))
    _write(tree[1] / "steps" / "steps.v3.en.md", PROTOCOL["en"])
    assert _protocol_problems(tree) == [
        "protocols/steps/steps.v2.ru.md: the file is missing",
        "protocols/steps/steps.v3.en.md: 'steps.v3.en.md' belongs to no language or version declared in protocol.yaml",
    ]


def test_protocol_versions_load(tree):
    _write(tree[1] / "steps" / "protocol.yaml", PROTOCOL_YAML.replace("version: 1", "version: 2\nversions: [2, 1]"))
    for lang in ("en", "ru"):
        _write(tree[1] / "steps" / f"steps.v2.{lang}.md", PROTOCOL[lang] + "\nNew sentence.\n")
    (protocol,) = load_protocols(tree[1])
    assert protocol.versions == (1, 2) and protocol.version == 2
    assert protocol.text("en").endswith("New sentence.\n") and not protocol.text("en", 1).endswith("New sentence.\n")


def test_protocol_problems_and_empty_sections(tree):
    _write(tree[1] / "steps" / "protocol.yaml", "slug: steps\ntitle: {en: Steps}\nlanguages: [en, ru]\nversion: 0\n")
    assert _protocol_problems(tree) == [
        "protocols/steps/protocol.yaml, field title: has no text in 'ru'",
        "protocols/steps/protocol.yaml, field version: must be a whole number of 1 or more",
    ]
    _write(tree[1] / "steps" / "protocol.yaml", PROTOCOL_YAML)
    _write(tree[1] / "steps" / "steps.en.md", "# Steps\n\n## Listen\n\n## Listen\n\nText.\n")
    assert _protocol_problems(tree) == [
        "protocols/steps/steps.en.md, line 3: section 'Listen' has no text",
        "protocols/steps/steps.en.md, line 5: two sections get the same anchor 'listen'; give them different headings",
    ]


def test_broken_protocols_are_reported_without_a_flood_of_link_errors(tree, monkeypatch):
    import training.curriculum.loader as loader

    _write(tree[1] / "steps" / "protocol.yaml", "slug: [\n")
    monkeypatch.setattr(loader, "PROTOCOLS_ROOT", tree[1])
    with pytest.raises(CurriculumError) as caught:
        loader.load_curriculum(tree[0])
    assert [p.file for p in caught.value.problems] == ["protocols/steps/protocol.yaml"]


def test_missing_root_folder(tmp_path):
    with pytest.raises(CurriculumError, match="does not exist"):
        load_curriculum(tmp_path / "nowhere", protocols=[])


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["slug", "title", "en", "ru", "lessons", "modules", "languages", "order", "quiz", "protocols", "x"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["slug", "onboarding", "order", "languages", "title", "summary", "pass_mark",
                              "modules", "quiz", "protocols"]),
       value=yaml_values)
def test_any_field_value_gives_a_clean_result(tree, field, value):
    """Whatever a trainer types into a field, the loader loads or lists problems; it never crashes."""
    import yaml

    data = yaml.safe_load(COURSE_YAML)
    data[field] = value
    _write(tree[0] / "demo" / "course.yaml", yaml.safe_dump(data, allow_unicode=True))
    try:
        load_curriculum(tree[0], protocols=load_protocols(tree[1]))
    except CurriculumError as exc:
        assert exc.problems and all(p.file and p.message for p in exc.problems)
