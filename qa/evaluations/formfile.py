"""Evaluation form files (forms.md, "Form file"): parse, check, dump and fingerprint.

Pure Python: no Flask, no database. One form model serves ticket reviews and mystery shops.
Every problem in a file is collected and reported at once, each naming the file, the line,
the section/item and the field, in plain words for the trainers and QA leads who write forms.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from servicecraft import yamllines
from servicecraft.messages import _
from servicecraft.texts import Text, is_text, missing_languages
from servicecraft.yamllines import line_of

FORMAT_VERSION = 1
KINDS = ("mystery_shop", "review")
CHANNELS = ("phone", "chat", "email", "office", "social")
ITEM_TYPES = ("yes_no", "scale", "stars", "timer", "text", "photo", "audio")
EVIDENCE_TYPES = ("photo", "audio")
# Columns of the results CSV that are not items; an item may not take one of these ids.
RESERVED_IDS = ("agent_email", "branch", "happened_at", "shopper_email")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Item ids become CSV column names, so keep them to lower-case letters, digits and "_".
_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
# A service-protocol reference: "<protocol slug>" or "<protocol slug>#<section slug>".
_PROTOCOL = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:#[a-z0-9]+(?:[-_][a-z0-9]+)*)?$")

_TOP_FIELDS = ("format", "id", "title", "kind", "channel", "languages", "sections")
_SECTION_FIELDS = ("title", "items")
_ITEM_FIELDS = ("id", "type", "text", "weight", "na", "critical", "max", "threshold", "protocol")


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_yaml(detail: str) -> str:
    return _("the file is not valid YAML (%(detail)s)", detail=detail)


def _m_not_mapping() -> str:
    return _("the file must hold a form: fields such as id, title and sections")


def _m_missing() -> str:
    return _("is required but missing")


def _m_unknown(allowed: tuple[str, ...]) -> str:
    return _("is not a known field (allowed here: %(allowed)s)", allowed=", ".join(allowed))


def _m_duplicate_key() -> str:
    return _("is written twice in the same place")


def _m_format() -> str:
    return _("must be the number %(version)s", version=FORMAT_VERSION)


def _m_slug() -> str:
    return _("must be made of lower-case letters, digits and single dashes, e.g. phone-shop")


def _m_item_id() -> str:
    return _("must start with a lower-case letter and use only lower-case letters, digits and _")


def _m_reserved(value: str) -> str:
    return _("'%(value)s' is a column name of the results file; choose another id", value=value)


def _m_choice(allowed: tuple[str, ...]) -> str:
    return _("must be one of: %(allowed)s", allowed=", ".join(allowed))


def _m_languages() -> str:
    return _("must be a non-empty list of language codes, e.g. [en, ru]")


def _m_language_code(value: object) -> str:
    return _("'%(value)s' is not a language code such as en or ru", value=value)


def _m_language_twice(value: str) -> str:
    return _("lists the language %(value)s twice", value=value)


def _m_not_text() -> str:
    return _("must be a text: a string, or a mapping from language code to string")


def _m_text_missing(langs: list[str]) -> str:
    return _("has no text in %(langs)s", langs=", ".join(langs))


def _m_text_extra(langs: list[str]) -> str:
    return _("has text in %(langs)s, which the form's languages do not list", langs=", ".join(langs))


def _m_list_needed(what: str) -> str:
    if what == "sections":
        return _("must be a non-empty list of sections")
    if what == "items":
        return _("must be a non-empty list of items")
    return _("must be a non-empty list of %(what)s", what=what)


def _m_mapping_needed(what: str) -> str:
    if what == "section":
        return _("must be a mapping (the fields of one section)")
    if what == "item":
        return _("must be a mapping (the fields of one item)")
    return _("must be a mapping (the fields of one %(what)s)", what=what)


def _m_duplicate_item(value: str, where: str) -> str:
    return _("'%(value)s' is already used by %(where)s; item ids must be unique in a form", value=value, where=where)


def _m_weight() -> str:
    return _("must be a number above 0")


def _m_not_scored(what: str) -> str:
    """*what* is already translated (see :func:`_m_info_item`)."""
    return _("does not apply: this item carries no score (%(what)s)", what=what)


def _m_bool() -> str:
    return _("must be true or false")


def _m_max() -> str:
    return _("must be a whole number of 1 or more")


def _m_max_only_scale() -> str:
    return _("applies only to items of type scale")


def _m_threshold() -> str:
    return _("must be a number of seconds, 0 or more")


def _m_threshold_only_timer() -> str:
    return _("applies only to items of type timer")


def _m_protocol() -> str:
    return _("must name a protocol section such as complaint-handling#listen")


def _m_protocol_unknown(value: str) -> str:
    return _("'%(value)s' is not a known service-protocol section", value=value)


def _m_info_item(kind: str) -> str:
    if kind == "text":
        return _("a text item")
    if kind == "photo":
        return _("a photo item")
    if kind == "audio":
        return _("an audio item")
    if kind == "timer":
        return _("a timer without a threshold")
    return kind


def _m_section(number: int) -> str:
    return _("section %(number)s", number=number)


def _m_section_item(section: str, item: object) -> str:
    return _("%(section)s, item %(item)s", section=section, item=item)


def _m_file_line(file: str, line: int) -> str:
    return _("%(file)s, line %(line)s", file=file, line=line)


def _m_field(field: str) -> str:
    return _("field %(field)s", field=field)


# --- Model -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One question of a form."""

    id: str
    type: str
    text: Text
    weight: float | None = None     # set (default 1) on scored items only
    na: bool = False                # the item may be answered "not applicable"
    critical: bool = False          # its lowest value zeroes the whole evaluation
    max: int | None = None          # scale items only
    threshold: float | None = None  # timer items only: seconds that still count as "yes"
    protocol: str | None = None     # e.g. "complaint-handling#listen"

    @property
    def is_scored(self) -> bool:
        """Tell whether the item counts towards the score (metrics.md)."""
        if self.type == "timer":
            return self.threshold is not None
        return self.type in ("yes_no", "scale", "stars")

    @property
    def is_evidence(self) -> bool:
        """Tell whether the item holds evidence files (photo, audio)."""
        return self.type in EVIDENCE_TYPES

    @property
    def points(self) -> int | None:
        """Return the item's maximum value on its score scale, None when not scored."""
        if not self.is_scored:
            return None
        return {"yes_no": 1, "timer": 1, "stars": 4}.get(self.type, self.max)


@dataclass(frozen=True)
class Section:
    """A titled group of items."""

    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class FormDefinition:
    """A whole evaluation form as read from a form file."""

    id: str
    title: Text
    kind: str
    channel: str
    languages: tuple[str, ...]
    sections: tuple[Section, ...]
    format: int = FORMAT_VERSION

    def items(self) -> Iterator[Item]:
        """Yield every item of every section, in order."""
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item | None:
        """Return the item with this id, or None."""
        return next((it for it in self.items() if it.id == item_id), None)

    def scored_items(self) -> list[Item]:
        """Return the items that count towards the score, in order."""
        return [it for it in self.items() if it.is_scored]


@dataclass(frozen=True)
class FormProblem:
    """One problem found in a form file."""

    file: str
    message: str
    line: int | None = None
    where: str = ""   # e.g. "section 2, item polite"
    field: str = ""   # e.g. "weight"

    def __str__(self) -> str:
        head = _m_file_line(self.file, self.line) if self.line else self.file
        place = ", ".join(p for p in (self.where, _m_field(self.field) if self.field else "") if p)
        return f"{head}: {place + ' ' if place else ''}{self.message}".rstrip()


class FormError(Exception):
    """A form file has one or more problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[FormProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- Parsing -----------------------------------------------------------------------------

class _Checker:
    """Collect every problem of one file instead of stopping at the first."""

    def __init__(self, filename: str, languages: tuple[str, ...], known_protocols):
        self.filename = filename
        self.languages = languages
        self.known_protocols = known_protocols
        self.problems: list[FormProblem] = []

    def add(self, message: str, mapping: Any = None, key: str | None = None, where: str = "",
            field: str = "") -> None:
        self.problems.append(FormProblem(self.filename, message, line_of(mapping, key), where, field))

    def fields(self, mapping: Mapping, allowed: tuple[str, ...], required: tuple[str, ...],
               where: str) -> None:
        """Report unknown, duplicated and missing fields of one mapping."""
        for key in mapping:
            if key not in allowed:
                self.add(_m_unknown(allowed), mapping, key, where, str(key))
        for key, line in getattr(mapping, "duplicates", []):
            self.problems.append(FormProblem(self.filename, _m_duplicate_key(), line, where, str(key)))
        for key in required:
            if key not in mapping:
                self.add(_m_missing(), mapping, None, where, key)

    def text(self, mapping: Mapping, key: str, where: str) -> Text | None:
        """Check a *text* field: its shape and that it has every language of the form."""
        value = mapping.get(key)
        if key not in mapping:
            return None
        if not is_text(value):
            self.add(_m_not_text(), mapping, key, where, key)
            return None
        if self.languages:
            missing = missing_languages(value, self.languages)
            if missing:
                self.add(_m_text_missing(missing), mapping, key, where, key)
            if isinstance(value, Mapping):
                extra = [lang for lang in value if lang not in self.languages]
                if extra:
                    self.add(_m_text_extra(extra), mapping, key, where, key)
        return dict(value) if isinstance(value, Mapping) else value


def _is_number(value: object) -> bool:
    # bool is an int in Python, but "weight: yes" is a mistake, not 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_form(text: str | bytes, filename: str = "form.yaml", *,
               known_protocols: Container[str] | Callable[[str], bool] | None = None
               ) -> FormDefinition:
    """Read a form file and return its definition; raise FormError listing every problem.

    *known_protocols*, when given, is the set of service-protocol references (or a predicate)
    that item ``protocol`` fields may name; without it only their shape is checked.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormError([FormProblem(filename, _m_yaml(_("it is not UTF-8 text")))]) from None
    try:
        data = yamllines.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise FormError([FormProblem(filename, _m_yaml(exc.problem or str(exc)), line)]) from None
    except RecursionError:
        raise FormError([FormProblem(filename, _m_yaml(_("it is nested too deeply")))]) from None
    except (yaml.YAMLError, ValueError, TypeError):
        raise FormError([FormProblem(filename, _m_yaml(_("it could not be read")))]) from None
    if not isinstance(data, Mapping):
        raise FormError([FormProblem(filename, _m_not_mapping(), 1)])

    languages = _read_languages(data, filename)
    check = _Checker(filename, languages[0], known_protocols)
    check.problems.extend(languages[1])
    check.fields(data, _TOP_FIELDS, _TOP_FIELDS, "")

    if "format" in data and (data["format"] != FORMAT_VERSION or isinstance(data["format"], bool)):
        check.add(_m_format(), data, "format", field="format")
    form_id = data.get("id")
    if "id" in data and not (isinstance(form_id, str) and _SLUG.match(form_id)):
        check.add(_m_slug(), data, "id", field="id")
    title = check.text(data, "title", "")
    kind = data.get("kind")
    if "kind" in data and kind not in KINDS:
        check.add(_m_choice(KINDS), data, "kind", field="kind")
    channel = data.get("channel")
    if "channel" in data and channel not in CHANNELS:
        check.add(_m_choice(CHANNELS), data, "channel", field="channel")

    sections = _read_sections(data, check)
    if check.problems:
        raise FormError(check.problems)
    return FormDefinition(id=form_id, title=title, kind=kind, channel=channel,
                          languages=languages[0], sections=sections)


def _read_languages(data: Mapping, filename: str) -> tuple[tuple[str, ...], list[FormProblem]]:
    value = data.get("languages")
    if "languages" not in data:
        return (), []  # reported as a missing field
    line = line_of(data, "languages")
    if not isinstance(value, list) or not value:
        return (), [FormProblem(filename, _m_languages(), line, "", "languages")]
    problems, seen = [], []
    for code in value:
        if not (isinstance(code, str) and _LANGUAGE.match(code)):
            problems.append(FormProblem(filename, _m_language_code(code), line, "", "languages"))
        elif code in seen:
            problems.append(FormProblem(filename, _m_language_twice(code), line, "", "languages"))
        else:
            seen.append(code)
    return tuple(seen), problems


def _read_sections(data: Mapping, check: _Checker) -> tuple[Section, ...]:
    raw = data.get("sections")
    if "sections" not in data:
        return ()
    if not isinstance(raw, list) or not raw:
        check.add(_m_list_needed("sections"), data, "sections", field="sections")
        return ()
    sections, seen_ids = [], {}
    for number, raw_section in enumerate(raw, start=1):
        where = _m_section(number)
        if not isinstance(raw_section, Mapping):
            check.add(_m_mapping_needed("section"), data, "sections", where)
            continue
        check.fields(raw_section, _SECTION_FIELDS, _SECTION_FIELDS, where)
        title = check.text(raw_section, "title", where)
        raw_items = raw_section.get("items")
        items = []
        if "items" in raw_section and (not isinstance(raw_items, list) or not raw_items):
            check.add(_m_list_needed("items"), raw_section, "items", where, "items")
        elif isinstance(raw_items, list):
            for position, raw_item in enumerate(raw_items, start=1):
                item = _read_item(raw_item, position, where, raw_section, check, seen_ids)
                if item is not None:
                    items.append(item)
        sections.append(Section(title=title, items=tuple(items)))
    return tuple(sections)


def _read_item(raw: Any, position: int, section_where: str, section: Mapping, check: _Checker,
               seen_ids: dict[str, str]) -> Item | None:
    if not isinstance(raw, Mapping):
        check.add(_m_mapping_needed("item"), section, "items", _m_section_item(section_where, position))
        return None
    item_id = raw.get("id")
    label = item_id if isinstance(item_id, str) and item_id else str(position)
    where = _m_section_item(section_where, label)
    before = len(check.problems)
    check.fields(raw, _ITEM_FIELDS, ("id", "type", "text"), where)

    if "id" in raw:
        if not (isinstance(item_id, str) and _ITEM_ID.match(item_id)):
            check.add(_m_item_id(), raw, "id", where, "id")
        elif item_id in RESERVED_IDS:
            check.add(_m_reserved(item_id), raw, "id", where, "id")
        elif item_id in seen_ids:
            check.add(_m_duplicate_item(item_id, seen_ids[item_id]), raw, "id", where, "id")
        else:
            seen_ids[item_id] = where
    kind = raw.get("type")
    if "type" in raw and kind not in ITEM_TYPES:
        check.add(_m_choice(ITEM_TYPES), raw, "type", where, "type")
        kind = None
    text = check.text(raw, "text", where)

    max_value = raw.get("max")
    if "max" in raw:
        if kind is not None and kind != "scale":
            check.add(_m_max_only_scale(), raw, "max", where, "max")
        elif not (isinstance(max_value, int) and not isinstance(max_value, bool) and max_value >= 1):
            check.add(_m_max(), raw, "max", where, "max")
    elif kind == "scale":
        check.add(_m_missing(), raw, None, where, "max")

    threshold = raw.get("threshold")
    if "threshold" in raw:
        if kind is not None and kind != "timer":
            check.add(_m_threshold_only_timer(), raw, "threshold", where, "threshold")
        elif not (_is_number(threshold) and threshold >= 0):
            check.add(_m_threshold(), raw, "threshold", where, "threshold")

    is_scored = kind in ("yes_no", "scale", "stars") or (kind == "timer" and "threshold" in raw)
    info = _m_info_item(kind or "")
    weight = raw.get("weight", 1)
    if "weight" in raw:
        if kind is not None and not is_scored:
            check.add(_m_not_scored(info), raw, "weight", where, "weight")
        elif not (_is_number(weight) and weight > 0):
            check.add(_m_weight(), raw, "weight", where, "weight")
    flags = {}
    for flag in ("na", "critical"):
        flags[flag] = raw.get(flag, False)
        if flag in raw:
            if not isinstance(raw[flag], bool):
                check.add(_m_bool(), raw, flag, where, flag)
            elif raw[flag] and kind is not None and not is_scored:
                # N/A and critical are about scoring; on an information item they would mislead.
                check.add(_m_not_scored(info), raw, flag, where, flag)

    protocol = raw.get("protocol")
    if "protocol" in raw:
        if not (isinstance(protocol, str) and _PROTOCOL.match(protocol)):
            check.add(_m_protocol(), raw, "protocol", where, "protocol")
        elif check.known_protocols is not None and not _knows(check.known_protocols, protocol):
            check.add(_m_protocol_unknown(protocol), raw, "protocol", where, "protocol")

    if len(check.problems) != before:
        return None
    return Item(
        id=item_id, type=kind, text=text,
        weight=_number(weight) if is_scored else None,
        na=flags["na"], critical=flags["critical"],
        max=max_value if kind == "scale" else None,
        threshold=_number(threshold) if kind == "timer" and threshold is not None else None,
        protocol=protocol,
    )


def _knows(known, reference: str) -> bool:
    return bool(known(reference)) if callable(known) else reference in known


def _number(value: float | int) -> float | int:
    """Keep whole numbers as int so dumps and fingerprints are stable (1, not 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- Dumping and fingerprint -------------------------------------------------------------

def _item_dict(item: Item) -> dict:
    out: dict[str, Any] = {"id": item.id, "type": item.type}
    if item.max is not None:
        out["max"] = item.max
    if item.threshold is not None:
        out["threshold"] = _number(item.threshold)
    out["text"] = _text_value(item.text)
    if item.weight is not None:
        out["weight"] = _number(item.weight)
    if item.na:
        out["na"] = True
    if item.critical:
        out["critical"] = True
    if item.protocol:
        out["protocol"] = item.protocol
    return out


def _text_value(value: Text) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def form_to_dict(definition: FormDefinition) -> dict:
    """Return the form as plain data in file order (defaults filled in)."""
    return {
        "format": definition.format,
        "id": definition.id,
        "title": _text_value(definition.title),
        "kind": definition.kind,
        "channel": definition.channel,
        "languages": list(definition.languages),
        "sections": [
            {"title": _text_value(s.title), "items": [_item_dict(i) for i in s.items]}
            for s in definition.sections
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Dumper that keeps the file's key order (not alphabetical)."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


_Dumper.add_representer(dict, _represent_dict)


def dump_form(definition: FormDefinition) -> str:
    """Write the form as a YAML form file that parse_form reads back to an equal definition."""
    # Block style without line wrapping: one field per line reads and diffs best.
    return yaml.dump(form_to_dict(definition), Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, width=10_000, default_flow_style=False)


def form_fingerprint(definition: FormDefinition) -> str:
    """Return a stable hash of what the form means (not how its file is laid out).

    Comments, key order, quoting and spelled-out defaults do not change it; any change to
    ids, texts, types, weights, flags, thresholds or order does, so an import can tell
    whether a new form version is needed.
    """
    canonical = json.dumps(form_to_dict(definition), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


__all__ = [
    "CHANNELS", "EVIDENCE_TYPES", "FORMAT_VERSION", "ITEM_TYPES", "KINDS", "RESERVED_IDS",
    "FormDefinition", "FormError", "FormProblem", "Item", "Section",
    "dump_form", "form_fingerprint", "form_to_dict", "parse_form",
]
