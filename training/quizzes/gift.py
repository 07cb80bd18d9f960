"""Read and write Moodle's GIFT question format (pure Python).

The reader follows Moodle's importer (``question/format/gift/format.php`` and
``qformat_default::readquestions``) step by step, so a file imports here as it does in
Moodle: questions are separated by blank lines, lines starting with ``//`` are comments,
``::name::`` names a question, ``[html]`` & co. set a text's format, ``\\~ \\= \\# \\{ \\}
\\: \\n \\\\`` are escapes, and the question type is decided exactly as Moodle decides it:

* no braces: description; ``{}``: essay; ``{#...}``: numerical; any ``~``: multichoice;
  ``=`` and ``->``: matching; ``T``/``TRUE``/``F``/``FALSE``: truefalse; else shortanswer.

Where Moodle would silently store something broken, the reader reports a problem
instead (and then imports nothing): a second ``{...}`` block or a stray brace, an empty
choice, a numerical answer that is not a number (Moodle turns it into "any answer is
right"), a ``$CATEGORY:`` line not followed by a blank line. Answer grades must be one
of Moodle's standard grades, as Moodle's import insists by default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from servicecraft.messages import _
from training.quizzes.questions import (
    QUESTION_TYPES,
    TEXT_FORMATS,
    Answer,
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MatchPair,
    MultiChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    Question,
    ShortAnswerQuestion,
    TrueFalseQuestion,
    moodle_grade,
)

__all__ = [
    "GiftError",
    "GiftExportError",
    "GiftProblem",
    "decode_gift",
    "export_gift",
    "parse_gift",
    "summarize",
]

# ---------------------------------------------------------------------------
# Messages shown to people (kept together; translated through servicecraft.messages)
# ---------------------------------------------------------------------------


def _m_not_utf8() -> str:
    return _("The file is not UTF-8 text; save it as UTF-8 and import it again.")


def _m_unclosed_brace() -> str:
    return _("The answers start with { but there is no closing }.")


def _m_unopened_brace() -> str:
    return _("There is a closing } without an opening {; write \\} for a literal brace.")


def _m_brace_order() -> str:
    return _("A closing } comes before the opening {.")


def _m_nested_brace() -> str:
    return _("The answers contain another {; write \\{ for a literal brace.")


def _m_second_block() -> str:
    return _("A question can have only one {...} answer block; write \\{ and \\} for literal braces.")


def _m_category_alone() -> str:
    return _("Put a blank line after the $CATEGORY: line; it must stand alone.")


def _m_category_empty() -> str:
    return _("The $CATEGORY: line does not name a category.")


def _m_too_few(minimum: int, what: str) -> str:
    if what == "multiple-choice":
        return _("This multiple-choice question needs at least %(minimum)s answers.", minimum=minimum)
    if what == "matching":
        return _("This matching question needs at least %(minimum)s answers.", minimum=minimum)
    if what == "short-answer":
        return _("This short-answer question needs at least %(minimum)s answers.", minimum=minimum)
    return _("This %(what)s question needs at least %(minimum)s answers.", what=what, minimum=minimum)


def _m_empty_choice(number: int) -> str:
    return _("Answer %(number)s is empty.", number=number)


def _m_no_arrow(number: int) -> str:
    return _("Matching pair %(number)s has no '->' between the item and its answer.", number=number)


def _m_empty_match_answer(number: int) -> str:
    return _("Matching pair %(number)s has nothing after '->'.", number=number)


def _m_bad_weight(weight: str) -> str:
    return _("The grade %%%(weight)s%% is not a number.", weight=weight)


def _m_grade_not_allowed(weight: str) -> str:
    return _(
        "The grade %%%(weight)s%% is not one Moodle allows; use 100, 90, 83.33333, 80, 75, 70, "
        "66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, "
        "10, 5 or 0 (or one of them negative).",
        weight=weight,
    )


def _m_no_numbers() -> str:
    return _("This numerical question has no answer; write it like {#3:0.5} or {#1..5}.")


def _m_not_a_number(text: str) -> str:
    if not text:
        return _("A numerical answer is missing a number (numerical answers look like 3, 3:0.5 or 1..5).")
    return _("'%(text)s' is not a number (numerical answers look like 3, 3:0.5 or 1..5).", text=text)


def _m_export_name() -> str:
    return _("has no name")


def _m_export_description_feedback() -> str:
    return _("is a description, which GIFT cannot give general feedback")


def _m_export_arrow(where: str) -> str:
    if where == "an answer or its feedback":
        return _("has '->' in an answer or its feedback, which GIFT would read as a matching question")
    if where == "an item":
        return _("has '->' in an item, which GIFT would read as a matching question")
    return _("has '->' in %(where)s, which GIFT would read as a matching question", where=where)


def _m_export_single() -> str:
    return _("is single-choice but no answer gives full credit, which GIFT cannot write")


def _m_export_grade(fraction: float) -> str:
    return _("uses the grade %(grade)s, which is not one of Moodle's grades", grade=format(fraction, "g"))


def _m_export_not_finite() -> str:
    return _("has a numerical answer that is not a finite number")


def _m_export_category() -> str:
    return _("has a category with a line break")


def _m_export_problem(number: int, name: str, problem: str) -> str:
    return _("Question %(number)s (%(name)s) %(problem)s.", number=number, name=repr(name), problem=problem)


def _m_problem(filename: str, line: int, message: str) -> str:
    return _("%(file)s, line %(line)s: %(message)s", file=filename, line=line, message=message)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftProblem:
    """One thing wrong in a GIFT file, where it is and what it is."""

    line: int
    message: str
    filename: str = "<input>"

    def __str__(self) -> str:
        return _m_problem(self.filename, self.line, self.message)


class GiftError(ValueError):
    """A GIFT file cannot be imported; ``problems`` lists every problem found (one per line)."""

    def __init__(self, problems: list[GiftProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class GiftExportError(ValueError):
    """Questions that GIFT cannot represent; ``problems`` says which and why."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------
# Escapes
# ---------------------------------------------------------------------------

# Moodle swaps escaped characters for placeholders before it looks for syntax and puts
# them back afterwards. We do the same with a private-use character followed by a code;
# the marker itself is escaped too, so no input can forge a placeholder.
_MARK = "\ue000"
_ESCAPED = {":": "1", "#": "2", "=": "3", "{": "4", "}": "5", "~": "6", "n": "7", "\\": "8"}
_UNESCAPED = {"0": _MARK, "1": ":", "2": "#", "3": "=", "4": "{", "5": "}", "6": "~", "7": "\n", "8": "\\"}
_ESCAPE_RE = re.compile(r"\\[\\:#={}~n]")
_PLACEHOLDER_RE = re.compile(_MARK + "(.)", re.DOTALL)


def _encode(text: str) -> str:
    text = text.replace(_MARK, _MARK + "0")
    return _ESCAPE_RE.sub(lambda m: _MARK + _ESCAPED[m.group()[1]], text)


def _decode(text: str) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: _UNESCAPED.get(m.group(1), ""), text)


_PHP_WHITESPACE = " \t\n\r\0\x0b"


def _trim(text: str) -> str:
    return text.strip(_PHP_WHITESPACE)


def _escape(text: str) -> str:
    """Escape GIFT's reserved characters the way Moodle's exporter does (repchar)."""
    out = []
    for char in text:
        if char in "\\#=~{}:":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def decode_gift(data: bytes, filename: str = "<input>") -> str:
    """Return the text of a GIFT file's bytes; GIFT files must be UTF-8 (as in Moodle)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GiftError([GiftProblem(line, _m_not_utf8(), filename)]) from None


@dataclass(frozen=True)
class _Category:
    name: str


class _Block:
    """One question's lines (comments blanked, escapes encoded) and where they start."""

    def __init__(self, text: str, first_line: int, filename: str):
        self.text = text
        self.first_line = first_line
        self.filename = filename
        self.problems: list[GiftProblem] = []

    def line_at(self, pos: int) -> int:
        return self.first_line + self.text.count("\n", 0, pos)

    def problem(self, pos: int, message: str) -> None:
        self.problems.append(GiftProblem(self.line_at(pos), message, self.filename))

    def trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] in _PHP_WHITESPACE:
            start += 1
        while end > start and self.text[end - 1] in _PHP_WHITESPACE:
            end -= 1
        return start, end


def _split_blocks(text: str) -> list[tuple[list[str], int]]:
    """Split a file into blocks of lines separated by blank lines (Moodle's readquestions)."""
    text = text.removeprefix("\ufeff")
    # Old Mac files use bare CR; Moodle splits those on CR, others on LF only.
    lines = text.split("\r") if "\n" not in text and "\r" in text else text.split("\n")
    blocks: list[tuple[list[str], int]] = []
    current: list[str] = []
    first = 0
    for number, raw in enumerate(lines, start=1):
        line = _trim(raw)
        if not line:
            if current:
                blocks.append((current, first))
                current = []
            continue
        if not current:
            first = number
        # A comment line keeps the block together but adds nothing to it.
        current.append(" " if line.startswith("//") else line)
    if current:
        blocks.append((current, first))
    return blocks


def _text_with_format(raw: str, default: str) -> tuple[str, str | None]:
    """Split an optional leading ``[format]`` off *raw*; return the text and the format.

    The format is None when it is *default* (as Moodle, the tag is checked before trimming).
    """
    fmt = default
    if raw.startswith("["):
        close = raw.find("]")
        if close != -1 and raw[1:close] in TEXT_FORMATS:
            fmt = raw[1:close]
            raw = raw[close + 1 :]
    return _trim(_decode(raw)), (None if fmt == default else fmt)


def _comment(piece: str, default: str) -> tuple[str, str | None, str, str | None]:
    """Split ``answer # feedback``; return text, text format, feedback, feedback format."""
    answer, hash_sign, feedback = piece.partition("#")
    text, text_format = _text_with_format(_trim(answer), default)
    if not hash_sign:
        return text, text_format, "", None
    feedback_text, feedback_format = _text_with_format(_trim(feedback), default)
    return text, text_format, feedback_text, feedback_format


_WEIGHT_RE = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")


def _weight(block: _Block, pos: int, piece: str, default: float) -> tuple[float | None, str]:
    """Read a leading ``%50%`` grade; return (fraction or None on error, the rest)."""
    if not _WEIGHT_RE.match(piece):
        return default, piece
    end = piece.index("%", 1)
    weight = piece[1:end]
    try:
        fraction = float(weight) / 100
    except ValueError:
        block.problem(pos, _m_bad_weight(weight))
        return None, piece[end + 1 :]
    standard = moodle_grade(fraction)
    if standard is None:
        block.problem(pos, _m_grade_not_allowed(weight))
    return standard, piece[end + 1 :]


def _pieces(block: _Block, start: int, end: int, markers: str, keep: str = "") -> list[tuple[int, str]]:
    """Split text[start:end] before each marker; return (position, trimmed piece) pairs.

    Markers in *keep* stay at the start of their piece (Moodle turns ``=`` into ``~=``).
    Text before the first marker is a piece only when it is not blank, as in Moodle.
    """
    cuts = [start]
    for pos in range(start, end):
        if block.text[pos] in markers:
            cuts.append(pos)
    cuts.append(end)
    pieces = []
    for index, (a, b) in enumerate(zip(cuts, cuts[1:])):
        if index > 0 and block.text[a] not in keep:
            a += 1  # drop the marker itself
        a, b = block.trim(a, b)
        if index == 0 and a == b:
            continue
        pieces.append((a, block.text[a:b]))
    return pieces


def _default_name(text: str) -> str:
    """Name an unnamed question after the start of its text (Moodle: shorten_text, 80)."""
    plain = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    if len(plain) > 80:
        cut = plain[:80]
        plain = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "..."
    return plain or "Question name"


_NUMBER_RE = re.compile(r"[ \t\n\r\x0b\f]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r\x0b\f]*")


def _number(block: _Block, pos: int, text: str) -> float | None:
    """Read a number as PHP's is_numeric accepts it; report a problem otherwise."""
    if _NUMBER_RE.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
    block.problem(pos, _m_not_a_number(_trim(text)))
    return None


class _BlockReader:
    """Turn one block into a question, a category change, or problems (readquestion)."""

    def __init__(self, block: _Block, category: str | None):
        self.block = block
        self.text = block.text
        self.category = category
        self.format = "moodle"  # the question text's format, the default for its parts
        self.common: dict = {}  # the fields every question type shares

    def read(self) -> Question | _Category | None:
        block, text = self.block, self.text
        start, end = block.trim(0, len(text))
        if start == end:
            return None  # only comments
        if text.startswith("$CATEGORY:", start):
            return self._category(start, end)

        name = None
        if text.startswith("::", start):
            start += 2
            close = text.find("::", start, end)
            if close != -1:
                name = _trim(_decode(text[start:close]))
                start, end = block.trim(close + 2, end)

        open_at, close_at = text.find("{", start, end), text.find("}", start, end)
        if open_at == -1 and close_at == -1:
            question_text, answers = text[start:end], None
        else:
            if not self._braces_ok(open_at, close_at, end):
                return None
            # Answers at the very end leave the text alone; anywhere else leave a blank.
            blank = "" if close_at == end - 1 else "_____"
            question_text = text[start:open_at] + blank + text[close_at + 1 : end]
            answers = block.trim(open_at + 1, close_at)

        general_raw = ""
        if answers is not None:
            a, b = answers
            marker = text.rfind("####", a, b)
            if marker != -1:
                general_raw = text[marker + 4 : b]
                answers = block.trim(a, marker)

        body, text_format = _text_with_format(question_text, "moodle")
        self.format = text_format or "moodle"
        general, general_format = _text_with_format(general_raw, self.format)
        self.common = {
            "name": name or _default_name(body),
            "text": body,
            "text_format": self.format,
            "category": self.category,
            "general_feedback": general,
            "general_feedback_format": general_format,
        }
        if answers is None:
            return DescriptionQuestion(**self.common)
        return self._typed(*answers, brace=open_at)

    def _category(self, start: int, end: int) -> _Category | None:
        a, b = self.block.trim(start + len("$CATEGORY:"), end)
        name = self.text[a:b]
        if "\n" in name:
            self.block.problem(start, _m_category_alone())
        elif not name:
            self.block.problem(start, _m_category_empty())
        else:
            return _Category(_decode(name))
        return None

    def _braces_ok(self, open_at: int, close_at: int, end: int) -> bool:
        block, text = self.block, self.text
        if close_at == -1:
            block.problem(open_at, _m_unclosed_brace())
        elif open_at == -1:
            block.problem(close_at, _m_unopened_brace())
        elif close_at < open_at:
            block.problem(close_at, _m_brace_order())
        elif (nested := text.find("{", open_at + 1, close_at)) != -1:
            block.problem(nested, _m_nested_brace())
        else:
            extra = [p for p in (text.find("{", close_at + 1, end), text.find("}", close_at + 1, end)) if p != -1]
            if not extra:
                return True
            block.problem(min(extra), _m_second_block())
        return False

    def _typed(self, a: int, b: int, brace: int) -> Question | None:
        """Decide the type exactly as Moodle does, then read the answers."""
        answer_text = self.text[a:b]
        if answer_text == "":
            return EssayQuestion(**self.common)
        if answer_text[0] == "#":
            return self._numerical(a + 1, b, brace)
        if "~" in answer_text:
            return self._multichoice(a, b, brace)
        if "=" in answer_text and "->" in answer_text:
            return self._matching(a, b, brace)
        check = answer_text
        if answer_text.find("#") > 0:
            check = _trim(answer_text[: answer_text.find("#")])
        if check in ("T", "TRUE", "F", "FALSE"):
            return self._truefalse(answer_text)
        return self._shortanswer(a, b, brace)

    def _truefalse(self, answer_text: str) -> Question:
        bits = answer_text.split("#", 2)
        value, _ = _text_with_format(_trim(bits[0]), self.format)
        wrong, wrong_format = _text_with_format(_trim(bits[1]), self.format) if len(bits) > 1 else ("", None)
        right, right_format = _text_with_format(_trim(bits[2]), self.format) if len(bits) > 2 else ("", None)
        correct = value in ("T", "TRUE")
        # The "wrong" feedback goes to whoever gives the wrong answer.
        if correct:
            feedback = {
                "feedback_true": right,
                "feedback_true_format": right_format,
                "feedback_false": wrong,
                "feedback_false_format": wrong_format,
            }
        else:
            feedback = {
                "feedback_true": wrong,
                "feedback_true_format": wrong_format,
                "feedback_false": right,
                "feedback_false_format": right_format,
            }
        return TrueFalseQuestion(**self.common, correct=correct, **feedback)

    def _multichoice(self, a: int, b: int, brace: int) -> Question | None:
        block = self.block
        problems_before = len(block.problems)
        pieces = _pieces(block, a, b, "~=", keep="=")
        if len(pieces) < 2:
            block.problem(brace, _m_too_few(2, "multiple-choice"))
            return None
        answers = []
        for number, (pos, piece) in enumerate(pieces, start=1):
            if piece.startswith("="):
                fraction, piece = 1.0, piece[1:]
            else:
                fraction, piece = _weight(block, pos, piece, 0.0)
            text, text_format, feedback, feedback_format = _comment(piece, self.format)
            if not text:
                block.problem(pos, _m_empty_choice(number))
            answers.append(Answer(text, fraction or 0.0, feedback, text_format, feedback_format))
        if len(block.problems) > problems_before:
            return None
        # Moodle: any "=" makes it single-choice; only "~" answers allow several.
        single = "=" in self.text[a:b]
        return MultiChoiceQuestion(**self.common, answers=tuple(answers), single=single)

    def _matching(self, a: int, b: int, brace: int) -> Question | None:
        block = self.block
        pieces = _pieces(block, a, b, "=")
        if len(pieces) < 2:
            block.problem(brace, _m_too_few(2, "matching"))
            return None
        pairs = []
        for number, (pos, piece) in enumerate(pieces, start=1):
            arrow = piece.find("->")
            if arrow == -1:
                block.problem(pos, _m_no_arrow(number))
                continue
            stem, stem_format = _text_with_format(piece[:arrow], self.format)
            answer = _trim(_decode(piece[arrow + 2 :]))
            if not answer:
                block.problem(pos, _m_empty_match_answer(number))
            pairs.append(MatchPair(stem, answer, stem_format))
        if len(pairs) < len(pieces) or any(not p.answer for p in pairs):
            return None
        return MatchingQuestion(**self.common, pairs=tuple(pairs))

    def _shortanswer(self, a: int, b: int, brace: int) -> Question | None:
        block = self.block
        problems_before = len(block.problems)
        pieces = _pieces(block, a, b, "=")
        if not pieces:
            block.problem(brace, _m_too_few(1, "short-answer"))
            return None
        answers = []
        for number, (pos, piece) in enumerate(pieces, start=1):
            fraction, piece = _weight(block, pos, piece, 1.0)
            text, _, feedback, feedback_format = _comment(piece, self.format)
            if not text:
                block.problem(pos, _m_empty_choice(number))
            answers.append(Answer(text, fraction or 0.0, feedback, None, feedback_format))
        if len(block.problems) > problems_before:
            return None
        return ShortAnswerQuestion(**self.common, answers=tuple(answers))

    def _numerical(self, a: int, b: int, brace: int) -> Question | None:
        block, text = self.block, self.text
        problems_before = len(block.problems)
        # Everything after the first "~" is the feedback for any other number.
        tilde = text.find("~", a, b)
        answers_end = tilde if tilde != -1 else b
        pieces = _pieces(block, a, answers_end, "=")
        if not pieces:
            block.problem(brace, _m_no_numbers())
            return None
        answers = []
        for pos, piece in pieces:
            fraction, piece = _weight(block, pos, piece, 1.0)
            # As in Moodle, the number is read after escapes are undone.
            value_text, _, feedback, feedback_format = _comment(piece, self.format)
            value, tolerance = self._number_and_tolerance(pos, value_text)
            answers.append(NumericalAnswer(value, tolerance, fraction or 0.0, feedback, feedback_format))
        if tilde != -1:
            _, _, feedback, feedback_format = _comment(text[tilde:b], self.format)
            answers.append(NumericalAnswer(None, 0.0, 0.0, feedback, feedback_format))
        if len(block.problems) > problems_before:
            return None
        return NumericalQuestion(**self.common, answers=tuple(answers))

    def _number_and_tolerance(self, pos: int, answer: str) -> tuple[float | None, float]:
        block = self.block
        if answer.find("..") > 0:  # min..max
            low_text, high_text = answer.split("..", 1)
            low, high = _number(block, pos, low_text), _number(block, pos, high_text)
            if low is None or high is None:
                return None, 0.0
            middle = (low + high) / 2
            if not math.isfinite(middle):
                block.problem(pos, _m_not_a_number(answer))
                return None, 0.0
            return middle, abs(high - middle)
        if answer.find(":") > 0:  # value:tolerance
            value_text, tolerance_text = answer.split(":", 1)
        else:
            value_text, tolerance_text = answer, "0"
        if _trim(value_text) == "*":
            value = None
        else:
            value = _number(block, pos, value_text)
        tolerance = _number(block, pos, tolerance_text)
        return value, tolerance or 0.0


def parse_gift(text: str, filename: str = "<input>") -> list[Question]:
    """Read every question of a GIFT file, as Moodle's importer reads it.

    Each question gets the category of the last ``$CATEGORY:`` line above it (or None).
    Raises :class:`GiftError` listing every problem (with its line) if there is any;
    then nothing is imported.
    """
    questions: list[Question] = []
    problems: list[GiftProblem] = []
    category: str | None = None
    for lines, first_line in _split_blocks(text):
        block = _Block(_encode("\n".join(lines)), first_line, filename)
        result = _BlockReader(block, category).read()
        problems.extend(block.problems)
        if isinstance(result, _Category):
            category = result.name
        elif result is not None and not block.problems:
            questions.append(result)
    if problems:
        raise GiftError(problems)
    return questions


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _formatted(text: str, fmt: str | None, default: str) -> str:
    """Write *text* escaped, with a ``[format]`` tag when needed to read it back the same."""
    fmt = fmt or default
    # A text that itself starts with "[" needs a tag, or its start would be taken for one.
    tag = f"[{fmt}]" if fmt != default or text.startswith("[") else ""
    return tag + _escape(text)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")


def _number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _general(question: Question, indent: str) -> str:
    fmt = question.general_feedback_format
    if not question.general_feedback and fmt is None:
        return ""
    line = "####" + _formatted(question.general_feedback, fmt, question.text_format)
    return f"{indent}{line}\n" if indent else line


def _write_truefalse(q: TrueFalseQuestion) -> str:
    if q.correct:
        right = _feedback_out(q.feedback_true, q.feedback_true_format, q)
        wrong = _feedback_out(q.feedback_false, q.feedback_false_format, q)
    else:
        right = _feedback_out(q.feedback_false, q.feedback_false_format, q)
        wrong = _feedback_out(q.feedback_true, q.feedback_true_format, q)
    out = "{" + ("TRUE" if q.correct else "FALSE")
    if wrong or right:
        out += "#" + wrong
    if right:
        out += "#" + right
    return out + _general(q, "") + "}\n"


def _feedback_out(text: str, fmt: str | None, q: Question) -> str:
    if not text and fmt is None:
        return ""
    return _formatted(text, fmt, q.text_format)


def _write_multichoice(q: MultiChoiceQuestion) -> str:
    lines = []
    for answer in q.answers:
        text = _formatted(answer.text, answer.text_format, q.text_format)
        if answer.fraction == 1 and q.single:
            marker = "="
        elif answer.fraction == 0 and not _WEIGHT_RE.match(text):
            marker = "~"
        else:
            marker = f"~%{_percent(answer.fraction)}%"
        feedback = _feedback_out(answer.feedback, answer.feedback_format, q)
        lines.append([marker, text + (f"#{feedback}" if feedback else "")])
    if all(marker == "=" for marker, _ in lines):
        # Without any "~" Moodle would not read it as multiple choice.
        lines[-1][0] = "~%100%"
    body = "".join(f"\t{marker}{rest}\n" for marker, rest in lines)
    return "{\n" + body + _general(q, "\t") + "}\n"


def _write_shortanswer(q: ShortAnswerQuestion) -> str:
    out = "{\n"
    for answer in q.answers:
        text = _formatted(answer.text, None, q.text_format)
        feedback = _feedback_out(answer.feedback, answer.feedback_format, q)
        out += f"\t=%{_percent(answer.fraction)}%{text}#{feedback}\n"
    return out + _general(q, "\t") + "}\n"


def _write_numerical(q: NumericalQuestion) -> str:
    out = "{#\n"
    last = len(q.answers) - 1
    for index, answer in enumerate(q.answers):
        feedback = _feedback_out(answer.feedback, answer.feedback_format, q)
        if answer.value is None and answer.fraction == 0 and index == last and index > 0:
            out += f"\t~#{feedback}\n"  # Moodle's "any other answer" feedback
        elif answer.value is None:
            out += f"\t=%{_percent(answer.fraction)}%*#{feedback}\n"
        else:
            number = f"{_number_text(answer.value)}:{_number_text(answer.tolerance)}"
            out += f"\t=%{_percent(answer.fraction)}%{number}#{feedback}\n"
    return out + _general(q, "\t") + "}\n"


def _write_matching(q: MatchingQuestion) -> str:
    out = "{\n"
    for pair in q.pairs:
        stem = _formatted(pair.stem, pair.stem_format, q.text_format) if pair.stem or pair.stem_format else ""
        out += f"\t={stem} -> {_escape(pair.answer)}\n"
    return out + _general(q, "\t") + "}\n"


_WRITERS = {
    "truefalse": _write_truefalse,
    "multichoice": _write_multichoice,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": lambda q: "{" + _general(q, "") + "}\n",
    "description": lambda q: "\n",
}


def _export_problems(q: Question) -> list[str]:
    """Say why GIFT could not carry *q* so that it reads back the same."""
    found = []
    if not _trim(q.name):
        found.append(_m_export_name())
    if q.category is not None and ("\n" in q.category or "\r" in q.category):
        found.append(_m_export_category())
    if isinstance(q, DescriptionQuestion) and (q.general_feedback or q.general_feedback_format):
        found.append(_m_export_description_feedback())
    fractions: list[float] = []
    if isinstance(q, MultiChoiceQuestion):
        fractions = [a.fraction for a in q.answers]
        if len(q.answers) < 2:
            found.append(_m_too_few(2, "multiple-choice"))
        if any(not a.text for a in q.answers):
            found.append(_m_empty_choice(1 + [bool(a.text) for a in q.answers].index(False)))
        if q.single and not any(a.fraction == 1 for a in q.answers):
            found.append(_m_export_single())
    elif isinstance(q, ShortAnswerQuestion):
        fractions = [a.fraction for a in q.answers]
        if not q.answers:
            found.append(_m_too_few(1, "short-answer"))
        if any(not a.text for a in q.answers):
            found.append(_m_empty_choice(1 + [bool(a.text) for a in q.answers].index(False)))
        if any("->" in a.text or "->" in a.feedback for a in q.answers):
            found.append(_m_export_arrow("an answer or its feedback"))
    elif isinstance(q, NumericalQuestion):
        fractions = [a.fraction for a in q.answers]
        if not q.answers:
            found.append(_m_no_numbers())
        if any(a.value is not None and not (math.isfinite(a.value) and math.isfinite(a.tolerance)) for a in q.answers):
            found.append(_m_export_not_finite())
    elif isinstance(q, MatchingQuestion):
        if len(q.pairs) < 2:
            found.append(_m_too_few(2, "matching"))
        if any("->" in p.stem for p in q.pairs):
            found.append(_m_export_arrow("an item"))
        if any(not p.answer for p in q.pairs):
            found.append(_m_empty_match_answer(1 + [bool(p.answer) for p in q.pairs].index(False)))
    found.extend(_m_export_grade(f) for f in fractions if moodle_grade(f) is None)
    return found


def export_gift(questions: Iterable[Question], categories: bool = True) -> str:
    """Write *questions* as a GIFT file that Moodle (and :func:`parse_gift`) reads back the same.

    With *categories*, a ``$CATEGORY:`` line precedes each change of category (questions
    without a category then stay in the category above them when read back).
    Raises :class:`GiftExportError` for questions GIFT cannot represent.
    """
    questions = list(questions)
    problems = [
        _m_export_problem(number, q.name, message)
        for number, q in enumerate(questions, start=1)
        for message in _export_problems(q)
    ]
    if problems:
        raise GiftExportError(problems)
    parts = []
    current: str | None = None
    for number, q in enumerate(questions, start=1):
        if categories and q.category is not None and q.category != current:
            parts.append(f"$CATEGORY: {_escape(q.category)}\n\n")
            current = q.category
        one_line_name = " ".join(q.name.split())
        head = f"// question: {number}  name: {one_line_name}\n"
        head += f"::{_escape(q.name)}::{_formatted(q.text, q.text_format, 'moodle')}"
        parts.append(head + _WRITERS[q.qtype](q) + "\n")
    return "".join(parts)


def summarize(questions: Iterable[Question]) -> dict:
    """Count questions by type for ``quiz import --json``: ``{"imported": n, "by_type": {...}}``."""
    by_type = dict.fromkeys(QUESTION_TYPES, 0)
    for q in questions:
        by_type[q.qtype] += 1
    return {"imported": sum(by_type.values()), "by_type": by_type}
