"""Role-play scenario files (scenario-format.md, version 1): load, check and hold them.

Pure Python: no Flask, no database. Trainers write these files, so every problem is
collected in one run and reported in plain words naming the file, the node and the field:
``file: node X, field Y: message (line N)``. A file that passes every rule becomes an
immutable :class:`Scenario`; its *text* values stay *text* (a string or a language map) so
the UI can pick the reader's language with :func:`servicecraft.texts.pick`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from servicecraft import yamllines
from servicecraft.messages import _
from servicecraft.taxonomy import all_categories
from servicecraft.texts import Text, is_text, missing_languages
from servicecraft.yamllines import line_of

__all__ = [
    "CHANNELS",
    "FORMAT_VERSION",
    "OUTCOMES",
    "ChoiceOption",
    "ClassifyTask",
    "Criterion",
    "Ending",
    "FrozenDict",
    "Node",
    "Persona",
    "ReplyTask",
    "RouteStep",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "load_scenario",
    "parse_scenario",
]

FORMAT_VERSION = 1
CHANNELS = ("phone", "chat", "email", "office", "social")
OUTCOMES = ("resolved", "escalated", "lost")
NODE_KINDS = ("choices", "reply", "classify", "end")
DEFAULT_PASS_SCORE = 70
DEFAULT_HANGUP_AT = 100
MOOD_MIN, MOOD_MAX = 0, 100

# Rule 7 explores (node, mood, points so far) states; this bounds the work on a pathological
# file so the validator always answers quickly (shipped files need a few hundred states).
SEARCH_STATE_CAP = 200_000

_TOP_FIELDS = ("format", "id", "title", "summary", "languages", "category", "channel",
               "difficulty", "pass_score", "persona", "rubric", "start", "nodes")
_TOP_REQUIRED = tuple(f for f in _TOP_FIELDS if f != "pass_score")
_PERSONA_FIELDS = ("name", "description", "mood", "hangup_at")
_PERSONA_REQUIRED = ("name", "description", "mood")
_CRITERION_FIELDS = ("id", "label", "max", "mentor")
_CRITERION_REQUIRED = ("id", "label", "max")
_NODE_FIELDS = ("customer", "mood", *NODE_KINDS)
_CHOICE_FIELDS = ("text", "next", "mood", "scores", "feedback")
_CHOICE_REQUIRED = ("text", "next")
_REPLY_FIELDS = ("prompt", "criteria", "next", "hints")
_REPLY_REQUIRED = ("prompt", "criteria", "next")
_CLASSIFY_FIELDS = ("answer", "points", "criterion", "next")
_END_FIELDS = ("outcome", "message")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # node and criterion ids
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_yaml(detail: str) -> str:
    return _("the file is not valid YAML (%(detail)s)", detail=detail)


def _m_not_utf8() -> str:
    return _("the file is not UTF-8 text; save it as UTF-8")


def _m_unreadable(detail: str) -> str:
    return _("the file cannot be read (%(detail)s)", detail=detail)


def _m_not_mapping() -> str:
    return _("the file must describe a scenario: fields such as format, id, title and nodes")


def _m_missing() -> str:
    return _("is required but missing")


def _m_unknown(allowed: Iterable[str]) -> str:
    return _("is not a known field; check the spelling (allowed here: %(allowed)s)", allowed=", ".join(allowed))


def _m_duplicate_key() -> str:
    return _("is written twice; keep only one")


def _m_mapping() -> str:
    return _("must be a group of fields (key: value lines)")


def _m_list(what: str) -> str:
    if what == "criteria":
        return _("must be a list of criteria")
    if what == "choices":
        return _("must be a list of choices")
    if what == "mentor criteria":
        return _("must be a list of mentor criteria")
    return _("must be a list of %(what)s", what=what)


def _m_format() -> str:
    return _("must be the number %(version)s", version=FORMAT_VERSION)


def _m_slug() -> str:
    return _("must use only lower-case letters, digits and single dashes, e.g. double-charge")


def _m_id_file(expected: str) -> str:
    return _("must equal the file name without .yaml (here '%(expected)s')", expected=expected)


def _m_file_extension(expected: str) -> str:
    return _("scenario files end in .yaml; rename this file to '%(expected)s.yaml'", expected=expected)


def _m_not_text() -> str:
    return _("must be text: a string, or languages with their strings like {en: ..., ru: ...}")


def _m_text_missing(langs: list[str]) -> str:
    if len(langs) > 1:
        return _("lacks the %(langs)s translations", langs=", ".join(langs))
    return _("lacks the %(langs)s translation", langs=", ".join(langs))


def _m_text_extra(langs: list[str]) -> str:
    return _("has text in %(langs)s, which is not listed in languages; add it to languages or fix the code",
             langs=", ".join(langs))


def _m_languages() -> str:
    return _("must list at least one language code, e.g. [en, ru]")


def _m_language_code(code: object) -> str:
    return _("'%(code)s' is not a language code such as en, ru, uk or ja", code=code)


def _m_language_twice(code: str) -> str:
    return _("'%(code)s' is listed twice", code=code)


def _m_category(value: object) -> str:
    return _("'%(value)s' is not a request category; use main/sub such as payment/billing-error", value=value)


def _m_one_of(allowed: Iterable[str]) -> str:
    return _("must be one of: %(allowed)s", allowed=", ".join(allowed))


def _m_whole(low: int | None = None, high: int | None = None) -> str:
    if low is not None and high is not None:
        return _("must be a whole number from %(low)s to %(high)s", low=low, high=high)
    if low is not None:
        return _("must be a whole number of at least %(low)s", low=low)
    return _("must be a whole number")


def _m_percent() -> str:
    return _("must be a number from 0 to 100")


def _m_bool() -> str:
    return _("must be true or false")


def _m_name() -> str:
    return _("must be a name made of letters, digits, '-' and '_'")


def _m_node_name(name: object) -> str:
    return _("'%(name)s' is not a usable node name; use letters, digits, '-' and '_'", name=name)


def _m_persona_name() -> str:
    return _("must be a name, or a name per language like {en: Irina, ru: Ирина}")


def _m_phrases() -> str:
    return _("must be a list of phrases (strings)")


def _m_no_kind() -> str:
    return _("a node needs exactly one of choices, reply, classify or end")


def _m_and(words: list[str]) -> str:
    """Join *words* as "a and b and c"."""
    joined = words[0]
    for word in words[1:]:
        joined = _("%(first)s and %(second)s", first=joined, second=word)
    return joined


def _m_many_kinds(kinds: list[str]) -> str:
    return _("a node takes only one of choices, reply, classify or end, not %(kinds)s", kinds=_m_and(kinds))


def _m_no_choices() -> str:
    return _("must list at least one choice")


def _m_no_nodes() -> str:
    return _("must list at least one node")


def _m_empty_rubric() -> str:
    return _("must list at least one criterion")


def _m_criterion_twice(cid: str) -> str:
    return _("criterion '%(criterion)s' is defined twice", criterion=cid)


def _m_no_node(name: object) -> str:
    return _("names node '%(name)s', which does not exist", name=name)


def _m_no_criterion(name: object) -> str:
    return _("names criterion '%(name)s', which is not in the rubric", name=name)


def _m_reply_needs_mentor(name: str) -> str:
    return _("criterion '%(name)s' is not marked mentor: true, but free replies can only be "
             "scored by a mentor", name=name)


def _m_mentor_only(name: str) -> str:
    return _("criterion '%(name)s' is marked mentor: true, so only a mentor can award it from a "
             "reply; choices and classify cannot score it", name=name)


def _m_reply_criteria_empty() -> str:
    return _("must name at least one mentor criterion")


def _m_criterion_listed_twice(name: str) -> str:
    return _("names criterion '%(name)s' twice", name=name)


def _m_hint_not_reply_criterion(name: str) -> str:
    return _("gives hints for '%(name)s', which this reply's criteria do not name", name=name)


def _m_unreachable() -> str:
    return _("cannot be reached from the start node; link it from a choice or next, or delete it")


def _m_cycle(cycle: list[str]) -> str:
    return _("leads back to an earlier node, so the conversation could go round for ever: %(cycle)s",
             cycle=" -> ".join(cycle))


def _m_never_scores() -> str:
    return _("can never score above zero: no reachable choice, classify or reply awards it")


def _m_no_model_path() -> str:
    return _("no route through the conversation reaches every criterion's maximum at once; "
             "give the best choices enough points")


def _m_model_path_hangs_up() -> str:
    return _("every route that reaches every criterion's maximum makes the customer hang up "
             "(mood reaches hangup_at); soften the mood changes on the best route")


def _m_hangs_up_at_start(mood: int, hangup_at: int) -> str:
    return _("the customer hangs up before the first reply: the starting mood (%(mood)s, after "
             "the start node's change) reaches hangup_at (%(hangup_at)s)", mood=mood, hangup_at=hangup_at)


def _m_too_complex() -> str:
    return _("the conversation has too many different routes to check that every maximum can "
             "be reached at once; simplify the graph")


def _m_node_field(node: str | None, field: str | None) -> str:
    """Where in the file a problem is: "node X, field Y", "node X" or "field Y" ("" when neither)."""
    if node is not None and field:
        return _("node %(node)s, field %(field)s", node=node, field=field)
    if node is not None:
        return _("node %(node)s", node=node)
    if field:
        return _("field %(field)s", field=field)
    return ""


def _m_line(line: int) -> str:
    return _("line %(line)s", line=line)


# --- Problems ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScenarioProblem:
    """One problem found in a scenario file."""

    file: str
    node: str | None
    field: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        place = _m_node_field(self.node, self.field)
        where = f" ({_m_line(self.line)})" if self.line else ""
        return f"{self.file}: {place + ': ' if place else ''}{self.message}{where}"


class ScenarioError(Exception):
    """A scenario file has problems; ``problems`` lists every one found in the run."""

    def __init__(self, problems: Iterable[ScenarioProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Return one readable line per problem."""
        return [str(p) for p in self.problems]


# --- The loaded scenario --------------------------------------------------------------------

class FrozenDict(dict):
    """A dict that refuses changes: keeps the Scenario immutable yet JSON- and pickle-friendly."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded scenario cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: str(kv[0]))))

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        return self


@dataclass(frozen=True)
class Persona:
    """The customer the trainee talks to."""

    name: Text
    description: Text
    mood: int
    hangup_at: int = DEFAULT_HANGUP_AT


@dataclass(frozen=True)
class Criterion:
    """One rubric line the attempt is scored on."""

    id: str
    label: Text
    max: int
    mentor: bool = False


@dataclass(frozen=True)
class ChoiceOption:
    """One reply the trainee may pick at a `choices` node."""

    text: Text
    next: str
    mood: int = 0
    scores: Mapping[str, int] = field(default_factory=FrozenDict)
    feedback: Text | None = None


@dataclass(frozen=True)
class ReplyTask:
    """A free-text reply, scored later by a mentor."""

    prompt: Text
    criteria: tuple[str, ...]
    next: str
    hints: Mapping[str, tuple[str, ...]] = field(default_factory=FrozenDict)


@dataclass(frozen=True)
class ClassifyTask:
    """The trainee files the request under a category."""

    answer: str
    points: int
    criterion: str
    next: str


@dataclass(frozen=True)
class Ending:
    """How the conversation ends at an `end` node."""

    outcome: str
    message: Text


@dataclass(frozen=True)
class Node:
    """One point of the conversation: what the customer says, then what the trainee does."""

    id: str
    customer: Text
    kind: str  # one of NODE_KINDS
    mood: int = 0
    choices: tuple[ChoiceOption, ...] = ()
    reply: ReplyTask | None = None
    classify: ClassifyTask | None = None
    end: Ending | None = None

    def successors(self) -> tuple[str, ...]:
        """Return the ids of the nodes this node can lead to, in file order."""
        if self.kind == "choices":
            return tuple(c.next for c in self.choices)
        if self.reply is not None:
            return (self.reply.next,)
        if self.classify is not None:
            return (self.classify.next,)
        return ()


@dataclass(frozen=True)
class RouteStep:
    """One step of the model path: the node and what the trainee does there."""

    node: str
    kind: str  # "choices", "classify" or "reply"
    choice: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A checked role-play scenario (every rule of the format holds)."""

    id: str
    title: Text
    summary: Text
    languages: tuple[str, ...]
    category: str
    channel: str
    difficulty: int
    pass_score: float
    persona: Persona
    rubric: tuple[Criterion, ...]
    start: str
    nodes: Mapping[str, Node]
    # Categories a trainee may file under (the taxonomy plus the deployment's extra ones).
    categories: tuple[str, ...]
    # A route reaching every maximum at once (rule 7), found while checking the file.
    model_route: tuple[RouteStep, ...]
    source: str = ""
    format: int = FORMAT_VERSION

    def criterion(self, criterion_id: str) -> Criterion:
        """Return the rubric criterion with this id (KeyError when there is none)."""
        for criterion in self.rubric:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    @property
    def max_total(self) -> int:
        """Return the sum of every criterion's maximum."""
        return sum(c.max for c in self.rubric)


def _is_int(value: object) -> bool:
    # bool is an int in Python, but "mood: yes" is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


# --- Checking -------------------------------------------------------------------------------

class _Checker:
    """Collect every problem of one file instead of stopping at the first."""

    def __init__(self, filename: str, categories: tuple[str, ...]):
        self.file = filename
        self.categories = categories
        self.languages: tuple[str, ...] = ()
        self.problems: list[ScenarioProblem] = []

    def add(self, message: str, node: str | None, fld: str | None,
            mapping: Any = None, key: object = None) -> None:
        self.problems.append(ScenarioProblem(self.file, node, fld, message, line_of(mapping, key)))

    def fields(self, mapping: Mapping, allowed: tuple[str, ...], required: tuple[str, ...],
               node: str | None, prefix: str) -> None:
        """Report unknown, duplicated and missing fields of one mapping."""
        for key in mapping:
            if key not in allowed:
                self.add(_m_unknown(allowed), node, prefix + str(key), mapping, key)
        for key, line in getattr(mapping, "duplicates", []):
            self.problems.append(ScenarioProblem(self.file, node, prefix + str(key),
                                                 _m_duplicate_key(), line))
        for key in required:
            if key not in mapping:
                self.add(_m_missing(), node, prefix + key, mapping)

    def mapping(self, value: object, node: str | None, fld: str, parent: Any, key: object
                ) -> Mapping | None:
        if isinstance(value, Mapping):
            return value
        self.add(_m_mapping(), node, fld, parent, key)
        return None

    def text(self, mapping: Mapping, key: str, node: str | None, fld: str) -> Text | None:
        """Check a *text* field: its shape and that it has every language of the scenario."""
        if key not in mapping:
            return None
        value = mapping[key]
        if not is_text(value):
            self.add(_m_not_text(), node, fld, mapping, key)
            return None
        if self.languages:
            missing = missing_languages(value, self.languages)
            if missing:
                self.add(_m_text_missing(missing), node, fld, mapping, key)
            if isinstance(value, Mapping):
                extra = [str(lang) for lang in value if lang not in self.languages]
                if extra:
                    self.add(_m_text_extra(extra), node, fld, mapping, key)
        return value if isinstance(value, str) else FrozenDict(value)

    def whole(self, mapping: Mapping, key: str, node: str | None, fld: str,
              low: int | None = None, high: int | None = None, default: int = 0) -> int:
        if key not in mapping:
            return default
        value = mapping[key]
        if (not _is_int(value) or (low is not None and value < low)
                or (high is not None and value > high)):
            self.add(_m_whole(low, high), node, fld, mapping, key)
            return default
        return value

    def category(self, mapping: Mapping, key: str, node: str | None, fld: str) -> str | None:
        if key not in mapping:
            return None
        value = mapping[key]
        if not (isinstance(value, str) and value in self.categories):
            self.add(_m_category(value), node, fld, mapping, key)
            return None
        return value


def parse_scenario(text: str | bytes, filename: str = "<scenario>", *,
                   extra_categories: Iterable[str] = ()) -> Scenario:
    """Read a scenario file's text and return the Scenario; raise ScenarioError listing every problem.

    *filename* names the file in messages; when it ends in ``.yaml`` the scenario's ``id``
    must equal it without the extension. *extra_categories* are a deployment's own
    ``main/sub`` request categories, allowed besides the built-in taxonomy.
    """
    shown = str(filename)
    base = os.path.basename(shown)
    categories = all_categories(extra_categories)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError([ScenarioProblem(shown, None, None, _m_not_utf8())]) from None
    try:
        data = yamllines.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([ScenarioProblem(shown, None, None,
                                             _m_yaml(exc.problem or str(exc)), line)]) from None
    except RecursionError:
        raise ScenarioError([ScenarioProblem(shown, None, None,
                                             _m_yaml(_("it is nested too deeply")))]) from None
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        raise ScenarioError([ScenarioProblem(shown, None, None, _m_yaml(str(exc) or
                                             _("it could not be read")))]) from None
    if not isinstance(data, Mapping):
        raise ScenarioError([ScenarioProblem(shown, None, None, _m_not_mapping(), 1)])

    check = _Checker(shown, categories)
    return _build(check, data, base)


def load_scenario(path: str | os.PathLike, *, extra_categories: Iterable[str] = ()) -> Scenario:
    """Read and check the scenario file at *path*; raise ScenarioError listing every problem."""
    shown = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ScenarioError([ScenarioProblem(shown, None, None,
                                             _m_unreadable(exc.strerror or str(exc)))]) from None
    return parse_scenario(raw, shown, extra_categories=extra_categories)


def _build(check: _Checker, data: Mapping, base: str) -> Scenario:
    """Check every field of a parsed file; return the Scenario or raise ScenarioError."""
    check.fields(data, _TOP_FIELDS, _TOP_REQUIRED, None, "")
    check.languages = _languages(check, data)

    if "format" in data and not (_is_int(data["format"]) and data["format"] == FORMAT_VERSION):
        check.add(_m_format(), None, "format", data, "format")
    scenario_id = data.get("id")
    if "id" in data:
        if not (isinstance(scenario_id, str) and _SLUG.match(scenario_id)):
            check.add(_m_slug(), None, "id", data, "id")
            scenario_id = None
        else:
            stem, ext = os.path.splitext(base)
            if ext == ".yaml" and stem != scenario_id:
                check.add(_m_id_file(stem), None, "id", data, "id")
            elif ext == ".yml":
                check.add(_m_file_extension(scenario_id), None, "id", data, "id")
    title = check.text(data, "title", None, "title")
    summary = check.text(data, "summary", None, "summary")
    category = check.category(data, "category", None, "category")
    channel = data.get("channel")
    if "channel" in data and channel not in CHANNELS:
        check.add(_m_one_of(CHANNELS), None, "channel", data, "channel")
    difficulty = check.whole(data, "difficulty", None, "difficulty", 1, 3, default=1)
    pass_score: float = DEFAULT_PASS_SCORE
    if "pass_score" in data:
        value = data["pass_score"]
        if _is_number(value) and 0 <= value <= 100:
            pass_score = value
        else:
            check.add(_m_percent(), None, "pass_score", data, "pass_score")
    persona = _persona(check, data)
    rubric = _rubric(check, data)
    criteria = {c.id: c for c in rubric}
    rubric_ok = "rubric" in data and not any(p.field and p.field.startswith("rubric")
                                             for p in check.problems)
    nodes, nodes_ok = _nodes(check, data, criteria if rubric_ok else None)
    start = data.get("start")
    if "start" in data and not isinstance(start, str):
        check.add(_m_node_name(start), None, "start", data, "start")
        start = None

    route: tuple[RouteStep, ...] = ()
    if nodes is not None and start is not None:
        # Links are checked even when some nodes are broken; the rest needs every node sound.
        graph_ok = _check_links(check, data, nodes, start) and nodes_ok
        graph_ok = graph_ok and _check_graph(check, data, nodes, start)
        if graph_ok and rubric_ok and not check.problems and persona is not None:
            route = _check_scoring(check, data, nodes, start, rubric, persona)

    if check.problems:
        raise ScenarioError(check.problems)
    assert persona is not None and nodes is not None  # every field checked above
    return Scenario(
        id=scenario_id, title=title, summary=summary, languages=check.languages,
        category=category, channel=channel, difficulty=difficulty, pass_score=pass_score,
        persona=persona, rubric=tuple(rubric), start=start, nodes=FrozenDict(nodes),
        categories=check.categories, model_route=route, source=check.file,
    )


def _languages(check: _Checker, data: Mapping) -> tuple[str, ...]:
    if "languages" not in data:
        return ()  # reported as a missing field
    value = data["languages"]
    if not isinstance(value, list) or not value:
        check.add(_m_languages(), None, "languages", data, "languages")
        return ()
    seen: list[str] = []
    for code in value:
        if not (isinstance(code, str) and _LANGUAGE.match(code)):
            check.add(_m_language_code(code), None, "languages", data, "languages")
        elif code in seen:
            check.add(_m_language_twice(code), None, "languages", data, "languages")
        else:
            seen.append(code)
    return tuple(seen)


def _persona(check: _Checker, data: Mapping) -> Persona | None:
    if "persona" not in data:
        return None
    raw = check.mapping(data["persona"], None, "persona", data, "persona")
    if raw is None:
        return None
    before = len(check.problems)
    check.fields(raw, _PERSONA_FIELDS, _PERSONA_REQUIRED, None, "persona.")
    name: Text | None = None
    if "name" in raw:
        value = raw["name"]
        if isinstance(value, str) and value.strip():
            name = value  # a plain-string name is the same in every language
        elif isinstance(value, Mapping) and is_text(value):
            name = check.text(raw, "name", None, "persona.name")
        else:
            check.add(_m_persona_name(), None, "persona.name", raw, "name")
    description = check.text(raw, "description", None, "persona.description")
    mood = check.whole(raw, "mood", None, "persona.mood", MOOD_MIN, MOOD_MAX)
    hangup_at = check.whole(raw, "hangup_at", None, "persona.hangup_at", 1, MOOD_MAX,
                            default=DEFAULT_HANGUP_AT)
    if len(check.problems) != before:
        return None
    return Persona(name=name, description=description, mood=mood, hangup_at=hangup_at)


def _rubric(check: _Checker, data: Mapping) -> list[Criterion]:
    if "rubric" not in data:
        return []
    raw = data["rubric"]
    if not isinstance(raw, list):
        check.add(_m_list("criteria"), None, "rubric", data, "rubric")
        return []
    if not raw:
        check.add(_m_empty_rubric(), None, "rubric", data, "rubric")
    result: list[Criterion] = []
    seen: set[str] = set()
    for number, item in enumerate(raw):
        name = f"rubric[{number}]"
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            name = f"rubric.{item['id']}"
        if not isinstance(item, Mapping):
            check.add(_m_mapping(), None, name, data, "rubric")
            continue
        before = len(check.problems)
        check.fields(item, _CRITERION_FIELDS, _CRITERION_REQUIRED, None, name + ".")
        cid = item.get("id")
        if "id" in item:
            if not (isinstance(cid, str) and _NAME.match(cid)):
                check.add(_m_name(), None, name + ".id", item, "id")
            elif cid in seen:
                check.add(_m_criterion_twice(cid), None, name + ".id", item, "id")
            else:
                seen.add(cid)
        label = check.text(item, "label", None, name + ".label")
        maximum = check.whole(item, "max", None, name + ".max", 1)
        mentor = item.get("mentor", False)
        if not isinstance(mentor, bool):
            check.add(_m_bool(), None, name + ".mentor", item, "mentor")
        if len(check.problems) == before:
            result.append(Criterion(id=cid, label=label, max=maximum, mentor=mentor))
    return result


def _nodes(check: _Checker, data: Mapping, criteria: Mapping[str, Criterion] | None
           ) -> tuple[dict[str, Node] | None, bool]:
    """Check every node; return the well-formed ones (None without a node table) and whether all are."""
    if "nodes" not in data:
        return None, False
    raw = check.mapping(data["nodes"], None, "nodes", data, "nodes")
    if raw is None:
        return None, False
    if not raw:
        check.add(_m_no_nodes(), None, "nodes", data, "nodes")
        return None, False
    before = len(check.problems)
    for key, line in getattr(raw, "duplicates", []):
        check.problems.append(ScenarioProblem(check.file, str(key), None, _m_duplicate_key(), line))
    nodes: dict[str, Node] = {}
    for node_id, body in raw.items():
        if not (isinstance(node_id, str) and _NAME.match(node_id)):
            check.add(_m_node_name(node_id), str(node_id), None, raw, node_id)
            continue
        node = _node(check, node_id, body, raw, criteria)
        if node is not None:
            nodes[node_id] = node
    return nodes, len(check.problems) == before


def _node(check: _Checker, nid: str, body: object, parent: Mapping,
          criteria: Mapping[str, Criterion] | None) -> Node | None:
    raw = check.mapping(body, nid, None, parent, nid)
    if raw is None:
        return None
    before = len(check.problems)
    check.fields(raw, _NODE_FIELDS, ("customer",), nid, "")
    customer = check.text(raw, "customer", nid, "customer")
    mood = check.whole(raw, "mood", nid, "mood")
    kinds = [k for k in NODE_KINDS if k in raw]
    if not kinds:
        check.add(_m_no_kind(), nid, None, raw)
        return None
    if len(kinds) > 1:
        check.add(_m_many_kinds(kinds), nid, kinds[1], raw, kinds[1])
        return None
    kind = kinds[0]
    node = Node(id=nid, customer=customer, kind=kind, mood=mood)
    if kind == "choices":
        choices = _choices(check, nid, raw, criteria)
        node = Node(id=nid, customer=customer, kind=kind, mood=mood, choices=choices)
    elif kind == "reply":
        node = Node(id=nid, customer=customer, kind=kind, mood=mood,
                    reply=_reply(check, nid, raw, criteria))
    elif kind == "classify":
        node = Node(id=nid, customer=customer, kind=kind, mood=mood,
                    classify=_classify(check, nid, raw, criteria))
    else:
        node = Node(id=nid, customer=customer, kind=kind, mood=mood, end=_end(check, nid, raw))
    return node if len(check.problems) == before else None


def _next(check: _Checker, nid: str, raw: Mapping, fld: str) -> str:
    value = raw.get("next")
    if "next" in raw and not (isinstance(value, str) and _NAME.match(value)):
        check.add(_m_node_name(value), nid, fld, raw, "next")
    return value if isinstance(value, str) else ""


def _score_criterion(check: _Checker, nid: str, name: object, fld: str, raw: Mapping,
                     key: object, criteria: Mapping[str, Criterion] | None) -> None:
    """Report a score key that is not a rubric criterion or that only a mentor may award."""
    if criteria is None:
        return  # the rubric itself is broken; its problems are already reported
    criterion = criteria.get(name) if isinstance(name, str) else None
    if criterion is None:
        check.add(_m_no_criterion(name), nid, fld, raw, key)
    elif criterion.mentor:
        check.add(_m_mentor_only(criterion.id), nid, fld, raw, key)


def _choices(check: _Checker, nid: str, raw: Mapping,
             criteria: Mapping[str, Criterion] | None) -> tuple[ChoiceOption, ...]:
    items = raw["choices"]
    if not isinstance(items, list):
        check.add(_m_list("choices"), nid, "choices", raw, "choices")
        return ()
    if not items:
        check.add(_m_no_choices(), nid, "choices", raw, "choices")
    result = []
    for number, item in enumerate(items):
        prefix = f"choices[{number}]"
        if not isinstance(item, Mapping):
            check.add(_m_mapping(), nid, prefix, raw, "choices")
            continue
        check.fields(item, _CHOICE_FIELDS, _CHOICE_REQUIRED, nid, prefix + ".")
        text = check.text(item, "text", nid, prefix + ".text")
        nxt = _next(check, nid, item, prefix + ".next")
        mood = check.whole(item, "mood", nid, prefix + ".mood")
        feedback = check.text(item, "feedback", nid, prefix + ".feedback")
        scores: dict[str, int] = {}
        if "scores" in item:
            table = check.mapping(item["scores"], nid, prefix + ".scores", item, "scores")
            for key, value in (table or {}).items():
                fld = f"{prefix}.scores.{key}"
                _score_criterion(check, nid, key, fld, table, key, criteria)
                if not _is_int(value):
                    check.add(_m_whole(), nid, fld, table, key)
                elif isinstance(key, str):
                    scores[key] = value
        result.append(ChoiceOption(text=text, next=nxt, mood=mood, scores=FrozenDict(scores),
                                   feedback=feedback))
    return tuple(result)


def _reply(check: _Checker, nid: str, raw: Mapping,
           criteria: Mapping[str, Criterion] | None) -> ReplyTask | None:
    body = check.mapping(raw["reply"], nid, "reply", raw, "reply")
    if body is None:
        return None
    check.fields(body, _REPLY_FIELDS, _REPLY_REQUIRED, nid, "reply.")
    prompt = check.text(body, "prompt", nid, "reply.prompt")
    nxt = _next(check, nid, body, "reply.next")
    names: list[str] = []
    if "criteria" in body:
        value = body["criteria"]
        if not isinstance(value, list):
            check.add(_m_list("mentor criteria"), nid, "reply.criteria", body, "criteria")
        elif not value:
            check.add(_m_reply_criteria_empty(), nid, "reply.criteria", body, "criteria")
        for name in value if isinstance(value, list) else ():
            if not isinstance(name, str) or (criteria is not None and name not in criteria):
                check.add(_m_no_criterion(name), nid, "reply.criteria", body, "criteria")
            elif name in names:
                check.add(_m_criterion_listed_twice(name), nid, "reply.criteria", body, "criteria")
            else:
                if criteria is not None and not criteria[name].mentor:
                    check.add(_m_reply_needs_mentor(name), nid, "reply.criteria", body, "criteria")
                names.append(name)
    hints: dict[str, tuple[str, ...]] = {}
    if "hints" in body:
        table = check.mapping(body["hints"], nid, "reply.hints", body, "hints")
        for key, phrases in (table or {}).items():
            fld = f"reply.hints.{key}"
            if key not in names and "criteria" in body and isinstance(body["criteria"], list):
                check.add(_m_hint_not_reply_criterion(str(key)), nid, fld, table, key)
            if not (isinstance(phrases, list) and phrases
                    and all(isinstance(p, str) and p.strip() for p in phrases)):
                check.add(_m_phrases(), nid, fld, table, key)
            elif isinstance(key, str):
                hints[key] = tuple(phrases)
    return ReplyTask(prompt=prompt, criteria=tuple(names), next=nxt, hints=FrozenDict(hints))


def _classify(check: _Checker, nid: str, raw: Mapping,
              criteria: Mapping[str, Criterion] | None) -> ClassifyTask | None:
    body = check.mapping(raw["classify"], nid, "classify", raw, "classify")
    if body is None:
        return None
    check.fields(body, _CLASSIFY_FIELDS, _CLASSIFY_FIELDS, nid, "classify.")
    answer = check.category(body, "answer", nid, "classify.answer")
    points = check.whole(body, "points", nid, "classify.points", 1)
    name = body.get("criterion")
    if "criterion" in body:
        _score_criterion(check, nid, name, "classify.criterion", body, "criterion", criteria)
    nxt = _next(check, nid, body, "classify.next")
    return ClassifyTask(answer=answer or "", points=points,
                        criterion=name if isinstance(name, str) else "", next=nxt)


def _end(check: _Checker, nid: str, raw: Mapping) -> Ending | None:
    body = check.mapping(raw["end"], nid, "end", raw, "end")
    if body is None:
        return None
    check.fields(body, _END_FIELDS, _END_FIELDS, nid, "end.")
    outcome = body.get("outcome")
    if "outcome" in body and outcome not in OUTCOMES:
        check.add(_m_one_of(OUTCOMES), nid, "end.outcome", body, "outcome")
    message = check.text(body, "message", nid, "end.message")
    return Ending(outcome=outcome if isinstance(outcome, str) else "", message=message)


# --- Rules 2 and 3: links, reachability, no cycles ----------------------------------------

def _next_fields(node: Node) -> list[tuple[str, str]]:
    """Return (field name, target) for every link of a node."""
    if node.kind == "choices":
        return [(f"choices[{i}].next", c.next) for i, c in enumerate(node.choices)]
    if node.kind == "reply":
        return [("reply.next", node.reply.next)]
    if node.kind == "classify":
        return [("classify.next", node.classify.next)]
    return []


def _link_mapping(raw_nodes: Mapping, nid: str, fld: str) -> Any:
    """Return the mapping that holds the `next` field *fld* of node *nid* (for its line)."""
    body = raw_nodes[nid]
    if fld.startswith("choices["):
        return body["choices"][int(fld[len("choices["):fld.index("]")])]
    return body[fld.split(".", 1)[0]]


def _check_links(check: _Checker, data: Mapping, nodes: Mapping[str, Node], start: str) -> bool:
    """Check that `start` and every `next` of the well-formed nodes name a node of the file."""
    before = len(check.problems)
    raw_nodes = data["nodes"]
    known = {name for name in raw_nodes if isinstance(name, str)}
    if start not in known:
        check.add(_m_no_node(start), None, "start", data, "start")
    for node in nodes.values():
        for fld, target in _next_fields(node):
            if target and target not in known:
                check.add(_m_no_node(target), node.id, fld, _link_mapping(raw_nodes, node.id, fld), "next")
    return len(check.problems) == before


def _check_graph(check: _Checker, data: Mapping, nodes: Mapping[str, Node], start: str) -> bool:
    """Check reachability and cycles of a fully linked graph; return True when it is a sound DAG."""
    before = len(check.problems)
    raw_nodes = data["nodes"]

    # Iterative depth-first search: colours find back edges (cycles) and reachability at once.
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(nodes, white)
    colour[start] = grey
    stack: list[tuple[str, int]] = [(start, 0)]
    reported: set[tuple[str, str]] = set()
    while stack:
        nid, index = stack[-1]
        links = _next_fields(nodes[nid])
        if index == len(links):
            colour[nid] = black
            stack.pop()
            continue
        stack[-1] = (nid, index + 1)
        fld, target = links[index]
        if colour[target] == grey:
            if (nid, target) not in reported:
                reported.add((nid, target))
                path = [n for n, _ in stack]
                cycle = path[path.index(target):] + [target]
                check.add(_m_cycle(cycle), nid, fld, _link_mapping(raw_nodes, nid, fld), "next")
        elif colour[target] == white:
            colour[target] = grey
            stack.append((target, 0))
    for nid, seen in colour.items():
        if seen == white:
            check.add(_m_unreachable(), nid, None, raw_nodes, nid)
    # Every node that is not an `end` has a link, so in a DAG every path ends in an `end` node.
    return len(check.problems) == before


# --- Rules 6 and 7: every criterion can score, and all maxima at once ----------------------

def _topological(nodes: Mapping[str, Node], start: str) -> list[str]:
    """Return the nodes reachable from *start*, each before every node it leads to."""
    order: list[str] = []
    seen = {start}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        nid, index = stack[-1]
        successors = nodes[nid].successors()
        if index == len(successors):
            order.append(nid)
            stack.pop()
            continue
        stack[-1] = (nid, index + 1)
        target = successors[index]
        if target not in seen:
            seen.add(target)
            stack.append((target, 0))
    order.reverse()
    return order


def _gains(node: Node, criteria_index: Mapping[str, int], width: int, maxima: list[int]
           ) -> list[tuple[RouteStep, str, int, tuple[int, ...]]]:
    """Return every move out of *node*: (route step, next node, mood change, points vector).

    A classify move is the right answer (it is never worse than a wrong one); a reply counts
    every mentor criterion it names as full, as rule 7 says.
    """
    moves = []
    if node.kind == "choices":
        for i, choice in enumerate(node.choices):
            vec = [0] * width
            for key, value in choice.scores.items():
                vec[criteria_index[key]] += value
            moves.append((RouteStep(node.id, "choices", choice=i), choice.next, choice.mood,
                          tuple(vec)))
    elif node.kind == "classify":
        vec = [0] * width
        vec[criteria_index[node.classify.criterion]] = node.classify.points
        moves.append((RouteStep(node.id, "classify", category=node.classify.answer),
                      node.classify.next, 0, tuple(vec)))
    elif node.kind == "reply":
        vec = [0] * width
        for name in node.reply.criteria:
            vec[criteria_index[name]] = maxima[criteria_index[name]]
        moves.append((RouteStep(node.id, "reply"), node.reply.next, 0, tuple(vec)))
    return moves


class _TooComplex(Exception):
    pass


def _check_scoring(check: _Checker, data: Mapping, nodes: Mapping[str, Node], start: str,
                   rubric: list[Criterion], persona: Persona) -> tuple[RouteStep, ...]:
    """Check rules 6 and 7; return the model route when they hold."""
    index = {c.id: i for i, c in enumerate(rubric)}
    width = len(rubric)
    maxima = [c.max for c in rubric]
    order = _topological(nodes, start)
    moves = {nid: _gains(nodes[nid], index, width, maxima) for nid in order}

    # best[n][c] / worst[n][c]: the most / least criterion c can still change from node n to
    # an end (longest / shortest path in the DAG, computed from the ends backwards).
    best: dict[str, tuple[int, ...]] = {}
    worst: dict[str, tuple[int, ...]] = {}
    for nid in reversed(order):
        if not moves[nid]:
            best[nid] = worst[nid] = (0,) * width
            continue
        best[nid] = tuple(max(vec[c] + best[nxt][c] for _, nxt, _, vec in moves[nid])
                          for c in range(width))
        worst[nid] = tuple(min(vec[c] + worst[nxt][c] for _, nxt, _, vec in moves[nid])
                           for c in range(width))

    # Rule 6, ignoring mood: some path gives the criterion a positive sum.
    for i, criterion in enumerate(rubric):
        if best[start][i] <= 0:
            check.add(_m_never_scores(), None, f"rubric.{criterion.id}.max", data, "rubric")
    if check.problems:
        return ()

    start_mood = _clamp(persona.mood + nodes[start].mood)
    if start_mood >= persona.hangup_at:
        check.add(_m_hangs_up_at_start(start_mood, persona.hangup_at), start, "mood",
                  data["nodes"], start)
        return ()

    try:
        for allow_lost in (False, True):  # prefer a model path that does not end in `lost`
            route = _search(nodes, start, persona, moves, best, worst, maxima, True, allow_lost)
            if route is not None:
                return tuple(route)
        if _search(nodes, start, persona, moves, best, worst, maxima, False, True) is not None:
            check.add(_m_model_path_hangs_up(), None, "rubric", data, "rubric")
        else:
            check.add(_m_no_model_path(), None, "rubric", data, "rubric")
    except _TooComplex:
        check.add(_m_too_complex(), None, "nodes", data, "nodes")
    return ()


def _clamp(mood: int) -> int:
    return MOOD_MIN if mood < MOOD_MIN else MOOD_MAX if mood > MOOD_MAX else mood


def _search(nodes: Mapping[str, Node], start: str, persona: Persona,
            moves: Mapping[str, list], best: Mapping[str, tuple[int, ...]],
            worst: Mapping[str, tuple[int, ...]], maxima: list[int], with_mood: bool,
            allow_lost: bool) -> list[RouteStep] | None:
    """Find a route on which every criterion's sum reaches its maximum (rule 7), or None.

    Why not a simple DP: the points are clamped only at the end and may be negative, so the
    best route for one criterion can ruin another; the sums must be tracked together. This is
    a depth-first search over states (node, mood, sums so far) that remembers dead states,
    kept small by two exact bounds from the DAG:

    * if ``sums[c] + best[node][c] < max[c]`` criterion c can no longer reach its maximum on
      any continuation: prune the state;
    * if ``sums[c] + worst[node][c] >= max[c]`` criterion c reaches its maximum on every
      continuation: its exact sum no longer matters, so it is stored as "done" (None).

    Every remaining sum lies in a bounded window, mood takes at most 101 values and nodes
    are few, so the memo stays small; SEARCH_STATE_CAP guards against pathological files.
    With *with_mood* the customer hangs up as in a real attempt (mood >= hangup_at).
    """
    width = len(maxima)
    dead: set = set()
    hangup = persona.hangup_at

    def normalise(nid: str, sums: tuple) -> tuple | None:
        out = []
        for c in range(width):
            s = sums[c]
            if s is None:
                out.append(None)
            elif s + best[nid][c] < maxima[c]:
                return None
            elif s + worst[nid][c] >= maxima[c]:
                out.append(None)
            else:
                out.append(s)
        return tuple(out)

    def ordered(nid: str):
        # Try the richest moves first so the model path is found quickly.
        return iter(sorted(moves[nid], key=lambda m: -sum(m[3])))

    def accepts(nid: str) -> bool:
        # normalise() has already proved every criterion done here (best == worst == 0).
        return allow_lost or nodes[nid].end.outcome != "lost"

    sums0 = normalise(start, (0,) * width)
    if sums0 is None:
        return None
    mood0 = _clamp(persona.mood + nodes[start].mood)
    if nodes[start].kind == "end":
        return [] if accepts(start) else None
    # An explicit stack instead of recursion: routes may be longer than Python's frame limit.
    frames = [((start, mood0 if with_mood else 0, sums0), mood0, ordered(start))]
    route: list[RouteStep] = []
    while frames:
        key, mood, options = frames[-1]
        sums = key[2]
        for step, nxt, mood_change, vec in options:
            after = _clamp(mood + mood_change)
            if with_mood and after >= hangup:
                continue
            after = _clamp(after + nodes[nxt].mood)
            if with_mood and after >= hangup:
                continue
            moved = normalise(nxt, tuple(None if s is None else s + v for s, v in zip(sums, vec)))
            if moved is None:
                continue
            next_key = (nxt, after if with_mood else 0, moved)
            if next_key in dead:
                continue
            if nodes[nxt].kind == "end":
                if accepts(nxt):
                    return route + [step]
                dead.add(next_key)
                continue
            route.append(step)
            frames.append((next_key, after, ordered(nxt)))
            break
        else:
            dead.add(key)
            if len(dead) > SEARCH_STATE_CAP:
                raise _TooComplex
            frames.pop()
            if route:
                route.pop()
    return None
