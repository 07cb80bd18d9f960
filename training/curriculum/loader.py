"""Load the course folders and service-protocol documents shipped as data (pure Python).

Layout (one folder per course, one per protocol)::

    training/curriculum/<slug>/course.yaml
    training/curriculum/<slug>/lessons/<lesson>.<lang>.md     first line "# Title"
    training/curriculum/<slug>/<quiz>.<lang>.gift               Moodle GIFT, "$CATEGORY: <slug>" on top
    training/protocols/<slug>/protocol.yaml
    training/protocols/<slug>/<slug>.<lang>.md                  version 1
    training/protocols/<slug>/<slug>.v<N>.<lang>.md             version N > 1

Protocol sections are the ``## Heading`` lines of a document. A section's anchor is the
heading slugified the way ``servicecraft.markup.slugify`` does it (lower case, punctuation
dropped, spaces to ``-``, letters of any script kept), so the anchor a page shows is the
anchor a link can name. Because a Russian heading slugifies to Cyrillic, links use the
*canonical* anchor: the one of the first language's heading (English in the starter data);
every language lists the same sections in the same order, and
:meth:`ProtocolSpec.local_anchor` turns a canonical anchor into the one a translated page
carries. Lessons link to a section with ``protocol:<slug>#<anchor>``.

The loader never parses GIFT (``training.quizzes.gift`` does); it only checks that each
quiz file exists, is text and starts with its ``$CATEGORY:`` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from servicecraft.messages import _

__all__ = [
    "CURRICULUM_ROOT",
    "PROTOCOLS_ROOT",
    "CourseSpec",
    "CurriculumError",
    "CurriculumProblem",
    "LessonSpec",
    "ModuleSpec",
    "ProtocolSection",
    "ProtocolSpec",
    "load_curriculum",
    "load_protocols",
    "protocol_links",
    "protocol_references",
    "slugify",
]

CURRICULUM_ROOT = Path(__file__).resolve().parent
PROTOCOLS_ROOT = CURRICULUM_ROOT.parent / "protocols"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
# "protocol:<slug>" or "protocol:<slug>#<anchor>" as a Markdown link target.
_PROTOCOL_LINK = re.compile(r"\]\(\s*protocol:([^)\s#]*)(?:#([^)\s]*))?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Raw HTML tags: the app sanitises them away, so in shipped text they are always a mistake.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")

_COURSE_FIELDS = ("slug", "onboarding", "order", "languages", "title", "summary", "pass_mark", "modules", "quiz", "protocols")
_COURSE_REQUIRED = ("slug", "languages", "title", "summary", "modules", "quiz")
_MODULE_FIELDS = ("title", "lessons")
_PROTOCOL_FIELDS = ("slug", "title", "version", "versions", "languages")
_PROTOCOL_REQUIRED = ("slug", "title", "version")
_DEFAULT_PASS_MARK = 80


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_no_folder(path: str) -> str:
    return _("the folder %(path)s does not exist", path=path)


def _m_yaml(detail: str) -> str:
    return _("the file is not valid YAML (%(detail)s)", detail=detail)


def _m_not_mapping(what: str) -> str:
    if what == "course":
        return _("the file must hold a course description: fields such as slug and title")
    if what == "protocol":
        return _("the file must hold a protocol description: fields such as slug and title")
    return _("the file must hold a %(what)s description: fields such as slug and title", what=what)


def _m_missing_file() -> str:
    return _("the file is missing")


def _m_not_utf8() -> str:
    return _("the file is not UTF-8 text; save it as UTF-8")


def _m_unreadable(detail: object) -> str:
    return _("the file cannot be read (%(detail)s)", detail=detail)


def _m_required() -> str:
    return _("is required")


def _m_unknown_field(name: str) -> str:
    return _("'%(name)s' is not a known field (check the spelling)", name=name)


def _m_bad_slug(value: object) -> str:
    return _("'%(value)s' is not a valid slug: use lower-case letters, digits and single hyphens", value=value)


def _m_slug_folder(value: str, folder: str) -> str:
    return _("'%(value)s' must equal the folder name '%(folder)s'", value=value, folder=folder)


def _m_bool() -> str:
    return _("must be true or false")


def _m_positive_int() -> str:
    return _("must be a whole number of 1 or more")


def _m_percent() -> str:
    return _("must be a whole number from 1 to 100")


def _m_languages() -> str:
    return _("must be a non-empty list of language codes such as [en, ru], each listed once")


def _m_text() -> str:
    return _("must be a text in every language, such as {en: ..., ru: ...}")


def _m_text_missing(lang: str) -> str:
    return _("has no text in '%(lang)s'", lang=lang)


def _m_text_extra(lang: str) -> str:
    return _("has a text in '%(lang)s', which is not in the course's languages", lang=lang)


def _m_list(what: str) -> str:
    if what == "protocol slugs":
        return _("must be a non-empty list of protocol slugs")
    if what == "modules, each with a title and lessons":
        return _("must be a non-empty list of modules, each with a title and lessons")
    if what == "lesson names":
        return _("must be a non-empty list of lesson names")
    return _("must be a non-empty list of %(what)s", what=what)


def _m_duplicate(value: str) -> str:
    return _("'%(value)s' is listed more than once", value=value)


def _m_order_taken(order: int, other: str) -> str:
    return _("onboarding position %(order)s is already taken by course '%(other)s'", order=order, other=other)


def _m_order_needed() -> str:
    return _("is required for an onboarding course (its position in the onboarding sequence)")


def _m_duplicate_course(slug: str) -> str:
    return _("course '%(slug)s' is defined twice", slug=slug)


def _m_no_title() -> str:
    return _("the first line must be the lesson title, written as '# Title'")


def _m_empty_lesson() -> str:
    return _("the lesson has a title but no text")


def _m_raw_html(tag: str) -> str:
    return _("raw HTML ('%(tag)s') is not allowed; write Markdown", tag=tag)


def _m_orphan_lesson(lesson: str) -> str:
    return _("lesson '%(lesson)s' is not listed in any module", lesson=lesson)


def _m_quiz_category(slug: str) -> str:
    return _("the quiz must start with the line '$CATEGORY: %(slug)s' followed by a blank line", slug=slug)


def _m_empty_file() -> str:
    return _("the file is empty")


def _m_unknown_protocol(slug: str) -> str:
    return _("'%(slug)s' is not a known service protocol", slug=slug)


def _m_bad_link(link: str) -> str:
    return _("the link '%(link)s' must look like protocol:complaint-handling#listen", link=link)


def _m_unknown_section(link: str, slug: str) -> str:
    return _("the link '%(link)s' names no section of protocol '%(slug)s'", link=link, slug=slug)


def _m_unlisted_protocol(slug: str) -> str:
    return _("the lessons link to protocol '%(slug)s'; add it to the course's protocols list", slug=slug)


def _m_version_missing(version: int) -> str:
    return _("must include the current version %(version)s", version=version)


def _m_versions() -> str:
    return _("must be a list of version numbers (whole numbers of 1 or more), each listed once")


def _m_no_sections() -> str:
    return _("the document has no sections; start each one with a '## Heading' line")


def _m_duplicate_anchor(anchor: str) -> str:
    return _("two sections get the same anchor '%(anchor)s'; give them different headings", anchor=anchor)


def _m_section_count(lang: str, count: int, expected: int, first: str) -> str:
    return _("the '%(lang)s' document has %(count)s sections but the '%(first)s' one has %(expected)s; "
             "every language must list the same sections in the same order",
             lang=lang, count=count, expected=expected, first=first)


def _m_empty_section(title: str) -> str:
    return _("section '%(title)s' has no text", title=title)


def _m_stray_file(name: str) -> str:
    return _("'%(name)s' belongs to no language or version declared in protocol.yaml", name=name)


def _m_not_a_course() -> str:
    return _("the folder has no course.yaml")


def _m_not_a_protocol() -> str:
    return _("the folder has no protocol.yaml")


# --- Errors --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurriculumProblem:
    """One thing wrong in the curriculum or protocol data: which file, which field, what."""

    file: str
    message: str
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = _("%(file)s, line %(line)s", file=where, line=self.line)
        if self.field:
            where = _("%(place)s, field %(field)s", place=where, field=self.field)
        return f"{where}: {self.message}"


class CurriculumError(ValueError):
    """The data cannot be loaded; ``problems`` lists every problem found, one per line."""

    def __init__(self, problems: Sequence[CurriculumProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- Specs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LessonSpec:
    """One lesson: its slug, and its title and full Markdown text per language."""

    slug: str
    title: Mapping[str, str]
    markdown: Mapping[str, str]

    def body(self, language: str) -> str:
        """Return the lesson's Markdown in *language* without its '# Title' line."""
        return self.markdown[language].split("\n", 1)[1].strip() if "\n" in self.markdown[language] else ""


@dataclass(frozen=True)
class ModuleSpec:
    """A titled group of lessons inside a course."""

    title: Mapping[str, str]
    lessons: tuple[LessonSpec, ...]


@dataclass(frozen=True)
class CourseSpec:
    """A course folder as loaded: texts per language, lessons, quiz GIFT text per language."""

    slug: str
    onboarding: bool
    order: int | None
    languages: tuple[str, ...]
    title: Mapping[str, str]
    summary: Mapping[str, str]
    pass_mark: int
    modules: tuple[ModuleSpec, ...]
    quiz: Mapping[str, str]          # language -> GIFT text
    quiz_files: Mapping[str, str]    # language -> file name, for GIFT error messages
    protocols: tuple[str, ...]
    path: Path

    @property
    def lessons(self) -> tuple[LessonSpec, ...]:
        """Return every lesson in reading order."""
        return tuple(lesson for module in self.modules for lesson in module.lessons)


@dataclass(frozen=True)
class ProtocolSection:
    """A '## Heading' of a protocol: its canonical anchor, and title and anchor per language."""

    anchor: str
    title: Mapping[str, str]
    anchors: Mapping[str, str]


@dataclass(frozen=True)
class ProtocolSpec:
    """A service protocol: its Markdown per version and language, and its current sections."""

    slug: str
    title: Mapping[str, str]
    version: int                     # the current version
    versions: tuple[int, ...]        # every version shipped, oldest first
    languages: tuple[str, ...]
    documents: Mapping[int, Mapping[str, str]]                       # version -> language -> Markdown
    sections_by_version: Mapping[int, tuple[ProtocolSection, ...]]
    path: Path

    @property
    def sections(self) -> tuple[ProtocolSection, ...]:
        """Return the sections of the current version."""
        return self.sections_by_version[self.version]

    def text(self, language: str, version: int | None = None) -> str:
        """Return the Markdown of *version* (default: current) in *language*."""
        return self.documents[version or self.version][language]

    def section(self, anchor: str, version: int | None = None) -> ProtocolSection | None:
        """Return the section whose canonical anchor is *anchor*, or None."""
        for found in self.sections_by_version[version or self.version]:
            if found.anchor == anchor:
                return found
        return None

    def local_anchor(self, anchor: str, language: str, version: int | None = None) -> str | None:
        """Return the anchor the *language* page carries for canonical *anchor* (None if unknown)."""
        found = self.section(anchor, version)
        return None if found is None else found.anchors.get(language)


# --- Helpers -------------------------------------------------------------------------------

def slugify(text: str) -> str:
    """Return a heading's anchor: lower case, punctuation dropped, spaces to '-' (any script)."""
    # Same rule as servicecraft.markup.slugify, which renders the pages; a test holds them equal.
    text = re.sub(r"[^\w\s-]", "", text.strip().lower(), flags=re.UNICODE)
    return re.sub(r"[\s_]+", "-", text).strip("-")


def protocol_links(markdown: str) -> list[tuple[str, str | None]]:
    """Return (protocol slug, anchor or None) for every ``protocol:`` link target in *markdown*."""
    return [(m.group(1), m.group(2)) for m in _PROTOCOL_LINK.finditer(markdown or "")]


def protocol_references(protocols: Iterable[ProtocolSpec]) -> set[str]:
    """Return every valid reference: ``<slug>`` and ``<slug>#<anchor>`` (for QA form items)."""
    refs: set[str] = set()
    for protocol in protocols:
        refs.add(protocol.slug)
        refs.update(f"{protocol.slug}#{s.anchor}" for s in protocol.sections)
    return refs


class _Report:
    """Collects problems with paths shown relative to the data root's parent."""

    def __init__(self, root: Path):
        self.base = root.parent
        self.problems: list[CurriculumProblem] = []

    def name(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, path: Path, message: str, field: str | None = None, line: int | None = None) -> None:
        self.problems.append(CurriculumProblem(self.name(path), message, field, line))


def _read_text(report: _Report, path: Path) -> str | None:
    """Return the file's text, or None after reporting why it cannot be read."""
    if not path.is_file():
        report.add(path, _m_missing_file())
        return None
    try:
        # Normalise line endings so Windows-edited files behave the same.
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        report.add(path, _m_not_utf8())
    except OSError as exc:
        report.add(path, _m_unreadable(exc.strerror or exc))
    return None


def _read_yaml(report: _Report, path: Path, what: str) -> dict | None:
    text = _read_text(report, path)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        report.add(path, _m_yaml(detail), line=mark.line + 1 if mark else None)
        return None
    if not isinstance(data, dict):
        report.add(path, _m_not_mapping(what))
        return None
    return data


def _check_fields(report: _Report, path: Path, data: dict, known: Sequence[str], required: Sequence[str]) -> None:
    for name in data:
        if name not in known:
            report.add(path, _m_unknown_field(str(name)), str(name))
    for name in required:
        if data.get(name) in (None, "", [], {}):
            report.add(path, _m_required(), name)


def _languages(report: _Report, path: Path, value: Any, fieldname: str = "languages") -> tuple[str, ...] | None:
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and _LANGUAGE.match(v) for v in value)
            or len(set(value)) != len(value)):
        report.add(path, _m_languages(), fieldname)
        return None
    return tuple(value)


def _text(report: _Report, path: Path, value: Any, languages: Sequence[str], fieldname: str) -> dict[str, str]:
    """Check a {lang: text} mapping has every language (and no other); return what is usable."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        report.add(path, _m_text(), fieldname)
        return {}
    for lang in languages:
        if not value.get(lang, "").strip():
            report.add(path, _m_text_missing(lang), fieldname)
    for lang in value:
        if lang not in languages:
            report.add(path, _m_text_extra(lang), fieldname)
    return {lang: value[lang].strip() for lang in languages if value.get(lang, "").strip()}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _raw_html(report: _Report, path: Path, text: str) -> None:
    in_fence = False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HTML_TAG.search(re.sub(r"`[^`]*`", "", line))
        if match:
            report.add(path, _m_raw_html(match.group(0)), line=number)


def _subfolders(report: _Report, root: Path) -> list[Path]:
    if not root.is_dir():
        report.add(root, _m_no_folder(report.name(root)))
        return []
    # "_" and "." folders are Python's or tools' (__pycache__, .git), not data.
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


# --- Protocols -----------------------------------------------------------------------------

def _sections(report: _Report, path: Path, text: str) -> list[tuple[str, str, int]]:
    """Return (title, local anchor, line) for each '## ' heading; report empty or clashing ones."""
    found: list[tuple[str, str, int]] = []
    body_lines: dict[int, int] = {}
    in_fence = False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(1)) == 2:
            found.append((match.group(2), slugify(match.group(2)), number))
            body_lines[len(found) - 1] = 0
        elif found and line.strip():
            body_lines[len(found) - 1] += 1
    if not found:
        report.add(path, _m_no_sections())
    seen: set[str] = set()
    for index, (title, anchor, number) in enumerate(found):
        if anchor in seen or not anchor:
            report.add(path, _m_duplicate_anchor(anchor), line=number)
        seen.add(anchor)
        if body_lines[index] == 0:
            report.add(path, _m_empty_section(title), line=number)
    return found


def _document_path(folder: Path, slug: str, version: int, lang: str) -> Path:
    return folder / (f"{slug}.{lang}.md" if version == 1 else f"{slug}.v{version}.{lang}.md")


def _load_protocol(report: _Report, folder: Path) -> ProtocolSpec | None:
    meta_path = folder / "protocol.yaml"
    if not meta_path.is_file():
        report.add(folder, _m_not_a_protocol())
        return None
    data = _read_yaml(report, meta_path, "protocol")
    if data is None:
        return None
    before = len(report.problems)
    _check_fields(report, meta_path, data, _PROTOCOL_FIELDS, _PROTOCOL_REQUIRED)
    slug = data.get("slug")
    if slug is not None and not (isinstance(slug, str) and _SLUG.match(slug)):
        report.add(meta_path, _m_bad_slug(slug), "slug")
    elif isinstance(slug, str) and slug != folder.name:
        report.add(meta_path, _m_slug_folder(slug, folder.name), "slug")
    title_value = data.get("title")
    if "languages" in data:
        languages = _languages(report, meta_path, data["languages"])
    elif isinstance(title_value, dict) and title_value:
        languages = tuple(str(k) for k in title_value)  # default: the title's languages, in order
    else:
        languages = None
    title = _text(report, meta_path, title_value, languages or (), "title") if title_value is not None else {}
    version = data.get("version")
    if version is not None and not _positive_int(version):
        report.add(meta_path, _m_positive_int(), "version")
        version = None
    versions_value = data.get("versions", [version] if version else None)
    versions: tuple[int, ...] = ()
    if (not isinstance(versions_value, list) or not versions_value
            or not all(_positive_int(v) for v in versions_value) or len(set(versions_value)) != len(versions_value)):
        if versions_value is not None:
            report.add(meta_path, _m_versions(), "versions")
    else:
        versions = tuple(sorted(versions_value))
        if version and version not in versions:
            report.add(meta_path, _m_version_missing(version), "versions")
    if len(report.problems) > before or not languages or not version or not versions or not isinstance(slug, str):
        return None

    documents: dict[int, dict[str, str]] = {}
    sections_by_version: dict[int, tuple[ProtocolSection, ...]] = {}
    expected_files = set()
    for ver in versions:
        documents[ver] = {}
        per_lang: dict[str, list[tuple[str, str, int]]] = {}
        for lang in languages:
            path = _document_path(folder, slug, ver, lang)
            expected_files.add(path.name)
            text = _read_text(report, path)
            if text is None:
                continue
            _raw_html(report, path, text)
            documents[ver][lang] = text
            per_lang[lang] = _sections(report, path, text)
        first = languages[0]
        if first not in per_lang:
            continue
        canonical = per_lang[first]
        for lang, found in per_lang.items():
            if len(found) != len(canonical):
                report.add(_document_path(folder, slug, ver, lang), _m_section_count(lang, len(found), len(canonical), first))
        if any(len(found) != len(canonical) for found in per_lang.values()) or len(per_lang) != len(languages):
            continue
        sections_by_version[ver] = tuple(
            ProtocolSection(
                anchor=canonical[i][1],
                title={lang: per_lang[lang][i][0] for lang in languages},
                anchors={lang: per_lang[lang][i][1] for lang in languages},
            )
            for i in range(len(canonical))
        )
    for path in sorted(folder.glob("*.md")):
        if path.name not in expected_files:
            report.add(path, _m_stray_file(path.name))
    if len(report.problems) > before:
        return None
    return ProtocolSpec(slug, title, version, versions, languages, documents, sections_by_version, folder)


def _collect_protocols(report: _Report, root: Path) -> list[ProtocolSpec]:
    return [p for folder in _subfolders(report, root) if (p := _load_protocol(report, folder)) is not None]


def load_protocols(root: Path | str = PROTOCOLS_ROOT) -> list[ProtocolSpec]:
    """Load every protocol folder under *root*, sorted by slug; raise CurriculumError listing all problems."""
    root = Path(root)
    report = _Report(root)
    protocols = _collect_protocols(report, root)
    if report.problems:
        raise CurriculumError(report.problems)
    return protocols


# --- Courses -------------------------------------------------------------------------------

def _load_lesson(report: _Report, course_dir: Path, slug: str, languages: Sequence[str]) -> LessonSpec | None:
    titles: dict[str, str] = {}
    texts: dict[str, str] = {}
    for lang in languages:
        path = course_dir / "lessons" / f"{slug}.{lang}.md"
        text = _read_text(report, path)
        if text is None:
            continue
        text = text.strip("\n")
        first, _, rest = text.partition("\n")
        match = _HEADING.match(first)
        if not match or len(match.group(1)) != 1 or not match.group(2):
            report.add(path, _m_no_title(), line=1)
            continue
        if not rest.strip():
            report.add(path, _m_empty_lesson())
            continue
        _raw_html(report, path, text)
        titles[lang] = match.group(2)
        texts[lang] = text + "\n"
    if len(texts) != len(languages):
        return None
    return LessonSpec(slug, titles, texts)


def _load_quiz(report: _Report, course_dir: Path, slug: str, quiz: str, languages: Sequence[str]) -> tuple[dict, dict]:
    texts: dict[str, str] = {}
    names: dict[str, str] = {}
    for lang in languages:
        path = course_dir / f"{quiz}.{lang}.gift"
        text = _read_text(report, path)
        if text is None:
            continue
        if not text.strip():
            report.add(path, _m_empty_file())
            continue
        # The first line that is not a // comment must be the category, then a blank line.
        lines = [line.strip() for line in text.split("\n")]
        index = next((i for i, line in enumerate(lines) if line and not line.startswith("//")), None)
        category_ok = (index is not None and re.fullmatch(r"\$CATEGORY:\s*" + re.escape(slug), lines[index])
                       and (index + 1 == len(lines) or not lines[index + 1]))
        if not category_ok:
            report.add(path, _m_quiz_category(slug), line=None if index is None else index + 1)
            continue
        texts[lang] = text
        names[lang] = report.name(path)
    return texts, names


def _load_course(report: _Report, folder: Path) -> CourseSpec | None:
    path = folder / "course.yaml"
    if not path.is_file():
        report.add(folder, _m_not_a_course())
        return None
    data = _read_yaml(report, path, "course")
    if data is None:
        return None
    before = len(report.problems)
    _check_fields(report, path, data, _COURSE_FIELDS, _COURSE_REQUIRED)
    slug = data.get("slug")
    if slug is not None and not (isinstance(slug, str) and _SLUG.match(slug)):
        report.add(path, _m_bad_slug(slug), "slug")
    elif isinstance(slug, str) and slug != folder.name:
        report.add(path, _m_slug_folder(slug, folder.name), "slug")
    onboarding = data.get("onboarding", False)
    if not isinstance(onboarding, bool):
        report.add(path, _m_bool(), "onboarding")
    order = data.get("order")
    if order is not None and not _positive_int(order):
        report.add(path, _m_positive_int(), "order")
    elif order is None and onboarding is True:
        report.add(path, _m_order_needed(), "order")
    pass_mark = data.get("pass_mark", _DEFAULT_PASS_MARK)
    if not (_positive_int(pass_mark) and pass_mark <= 100):
        report.add(path, _m_percent(), "pass_mark")
    languages = _languages(report, path, data["languages"]) if data.get("languages") is not None else None
    langs = languages or ()
    title = _text(report, path, data["title"], langs, "title") if data.get("title") is not None else {}
    summary = _text(report, path, data["summary"], langs, "summary") if data.get("summary") is not None else {}
    quiz = data.get("quiz")
    if quiz is not None and not (isinstance(quiz, str) and _SLUG.match(quiz)):
        report.add(path, _m_bad_slug(quiz), "quiz")
        quiz = None
    protocols_value = data.get("protocols", [])
    protocols: tuple[str, ...] = ()
    if not isinstance(protocols_value, list) or not all(isinstance(p, str) for p in protocols_value):
        report.add(path, _m_list("protocol slugs"), "protocols")
    else:
        protocols = tuple(protocols_value)
        for value in protocols:
            if not _SLUG.match(value):
                report.add(path, _m_bad_slug(value), "protocols")
        for value in {p for p in protocols if protocols.count(p) > 1}:
            report.add(path, _m_duplicate(value), "protocols")

    modules: list[ModuleSpec] = []
    listed: list[str] = []
    raw_modules = data.get("modules")
    if raw_modules is not None and not (isinstance(raw_modules, list) and raw_modules):
        report.add(path, _m_list("modules, each with a title and lessons"), "modules")
    for index, raw in enumerate(raw_modules if isinstance(raw_modules, list) else [], start=1):
        where = f"modules[{index}]"
        if not isinstance(raw, dict):
            report.add(path, _m_list("modules, each with a title and lessons"), where)
            continue
        for name in raw:
            if name not in _MODULE_FIELDS:
                report.add(path, _m_unknown_field(str(name)), f"{where}.{name}")
        module_title = _text(report, path, raw.get("title"), langs, f"{where}.title")
        lesson_slugs = raw.get("lessons")
        if not isinstance(lesson_slugs, list) or not lesson_slugs or not all(isinstance(s, str) for s in lesson_slugs):
            report.add(path, _m_list("lesson names"), f"{where}.lessons")
            continue
        lessons = []
        for lesson_slug in lesson_slugs:
            if not _SLUG.match(lesson_slug):
                report.add(path, _m_bad_slug(lesson_slug), f"{where}.lessons")
                continue
            if lesson_slug in listed:
                report.add(path, _m_duplicate(lesson_slug), f"{where}.lessons")
                continue
            listed.append(lesson_slug)
            if languages:
                lesson = _load_lesson(report, folder, lesson_slug, languages)
                if lesson is not None:
                    lessons.append(lesson)
        modules.append(ModuleSpec(module_title, tuple(lessons)))
    lessons_dir = folder / "lessons"
    if lessons_dir.is_dir() and languages:
        for lesson_file in sorted(lessons_dir.glob("*.md")):
            stem = lesson_file.name[: -len(".md")].rsplit(".", 1)[0]
            if stem not in listed:
                report.add(lesson_file, _m_orphan_lesson(stem))
    quiz_texts, quiz_files = _load_quiz(report, folder, folder.name, quiz, langs) if quiz and languages else ({}, {})
    if len(report.problems) > before:
        return None
    return CourseSpec(
        slug=slug, onboarding=onboarding, order=order, languages=langs, title=title, summary=summary,
        pass_mark=pass_mark, modules=tuple(modules), quiz=quiz_texts, quiz_files=quiz_files,
        protocols=protocols, path=folder,
    )


def _check_links(report: _Report, course: CourseSpec, known: Mapping[str, ProtocolSpec]) -> None:
    """Check the course's protocols exist and every lesson link names a section of one of them."""
    course_file = course.path / "course.yaml"
    for slug in course.protocols:
        if slug not in known:
            report.add(course_file, _m_unknown_protocol(slug), "protocols")
    for lesson in course.lessons:
        for lang, text in lesson.markdown.items():
            lesson_file = course.path / "lessons" / f"{lesson.slug}.{lang}.md"
            for slug, anchor in protocol_links(text):
                link = f"protocol:{slug}" + (f"#{anchor}" if anchor is not None else "")
                if not _SLUG.match(slug) or anchor == "":
                    report.add(lesson_file, _m_bad_link(link))
                elif slug not in known:
                    report.add(lesson_file, _m_unknown_protocol(slug))
                elif anchor is not None and known[slug].section(anchor) is None:
                    report.add(lesson_file, _m_unknown_section(link, slug))
                elif slug not in course.protocols:
                    report.add(lesson_file, _m_unlisted_protocol(slug))


def load_curriculum(root: Path | str = CURRICULUM_ROOT,
                    protocols: Sequence[ProtocolSpec] | None = None) -> list[CourseSpec]:
    """Load every course folder under *root*, onboarding courses first in their order.

    Lesson links and ``protocols`` lists are checked against *protocols* (default: the
    shipped protocols, loaded from ``PROTOCOLS_ROOT``). Raise :class:`CurriculumError`
    listing every problem found, in every file.
    """
    root = Path(root)
    report = _Report(root)
    check_links = True
    if protocols is None:
        try:
            protocols = load_protocols(PROTOCOLS_ROOT)
        except CurriculumError as exc:
            # Report the protocols' own problems, not every link that now points nowhere.
            report.problems.extend(exc.problems)
            protocols, check_links = [], False
    known = {p.slug: p for p in protocols}
    courses: list[CourseSpec] = []
    for folder in _subfolders(report, root):
        course = _load_course(report, folder)
        if course is None:
            continue
        if any(c.slug == course.slug for c in courses):
            report.add(folder / "course.yaml", _m_duplicate_course(course.slug), "slug")
            continue
        courses.append(course)
    taken: dict[int, str] = {}
    for course in courses:
        if check_links:
            _check_links(report, course, known)
        if course.onboarding and course.order is not None:
            if course.order in taken:
                report.add(course.path / "course.yaml", _m_order_taken(course.order, taken[course.order]), "order")
            taken.setdefault(course.order, course.slug)
    if report.problems:
        raise CurriculumError(report.problems)
    # Onboarding courses first, in sequence; then the rest by order (if any) and slug.
    return sorted(courses, key=lambda c: (not c.onboarding, c.order if c.order is not None else 10**9, c.slug))

