"""Results exchange CSV (forms.md, "Results exchange"): read and write provider results.

Pure Python. Import is all-or-nothing: every row is checked first and every problem is
reported as ``row N, column C: reason``. Rows are numbered as a spreadsheet shows them: the
header is row 1, the first result row 2, and a cell spanning several lines is still one row.

A typical use::

    rows = parse_results(data, form, evidence_dir="photos/", filename="june.csv")
    # -> list[ResultRow]; raises ResultsError listing every bad cell
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from qa.evaluations.formfile import FormDefinition, Item
from qa.evaluations.scoring import NA, Answer, item_value_problem, validate_answers
from servicecraft.messages import _

AGENT, BRANCH, HAPPENED_AT, SHOPPER = "agent_email", "branch", "happened_at", "shopper_email"
FIXED_COLUMNS = (AGENT, BRANCH, HAPPENED_AT, SHOPPER)
YES_WORDS = ("yes", "1", "да")
NO_WORDS = ("no", "0", "нет")
NA_WORDS = ("na", "n/a")
# Several evidence files in one cell are separated by ";" (commas separate CSV cells).
EVIDENCE_SEPARATOR = ";"
DEFAULT_MAX_BYTES = {"photo": 10 * 1024 * 1024, "audio": 50 * 1024 * 1024}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:[.,]\d+)?)$")   # [h:]m:ss


def _is_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _is_wav(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _is_ogg(head: bytes) -> bool:
    return head.startswith(b"OggS")


def _is_mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _is_flac(head: bytes) -> bool:
    return head.startswith(b"fLaC")


def _is_webm(head: bytes) -> bool:
    return head.startswith(b"\x1a\x45\xdf\xa3")


# Extension -> check of the file's first bytes ("magic"), per evidence type.
EVIDENCE_FORMATS: dict[str, dict[str, Callable[[bytes], bool]]] = {
    "photo": {".jpg": _is_jpeg, ".jpeg": _is_jpeg, ".png": _is_png, ".webp": _is_webp},
    "audio": {".mp3": _is_mp3, ".wav": _is_wav, ".ogg": _is_ogg, ".opus": _is_ogg,
              ".m4a": _is_mp4, ".flac": _is_flac, ".webm": _is_webm},
}


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_not_utf8(line: int) -> str:
    return _("the file is not UTF-8 text (the first bad character is on line %(line)s); save it as CSV UTF-8", line=line)


def _m_csv(detail: str) -> str:
    return _("the file cannot be read as CSV (%(detail)s)", detail=detail)


def _m_empty_file() -> str:
    return _("the file is empty; it needs a header row")


def _m_no_rows() -> str:
    return _("there are no results below the header")


def _m_blank_header(position: int) -> str:
    return _("the header cell number %(position)s has no column name", position=position)


def _m_header_twice() -> str:
    return _("appears twice in the header")


def _m_unknown_column(form_id: str) -> str:
    return _("is not a column of the results file of form %(form)s", form=form_id)


def _m_need_who() -> str:
    return _("the header needs an agent_email or a branch column (who was evaluated)")


def _m_missing_column() -> str:
    return _("is missing from the header")


def _m_cell_count(cells: int, columns: int) -> str:
    return _("has %(cells)s cells but the header has %(columns)s columns", cells=cells, columns=columns)


def _m_need_who_cell() -> str:
    return _("needs the agent's e-mail or the branch code")


def _m_email() -> str:
    return _("is not an e-mail address")


def _m_unknown_agent() -> str:
    return _("is not the e-mail of a known agent")


def _m_branch() -> str:
    return _("is not a branch code (letters, digits, -, _ and . without spaces)")


def _m_unknown_branch() -> str:
    return _("is not the code of a known branch")


def _m_required() -> str:
    return _("is empty, but this item needs an answer")


def _m_datetime() -> str:
    return _("needs a date and time such as 2024-05-31T14:30 (ISO 8601)")


def _m_yes_no() -> str:
    return _("must be yes or no (also 1/0, да/нет)")


def _m_na_not_allowed() -> str:
    return _("cannot be na: this item does not allow N/A")


def _m_seconds() -> str:
    return _("must be a number of seconds (such as 75 or 1:15)")


def _m_no_evidence_dir() -> str:
    return _("names a file, but no evidence folder was given on import")


def _m_bad_file_name(name: str) -> str:
    return _("'%(name)s' must be a plain file name inside the evidence folder", name=name)


def _m_file_missing(name: str) -> str:
    return _("file '%(name)s' is not in the evidence folder", name=name)


def _m_file_unreadable(name: str) -> str:
    return _("file '%(name)s' cannot be read", name=name)


def _m_file_extension(name: str, kind: str) -> str:
    allowed = ", ".join(sorted(EVIDENCE_FORMATS[kind]))
    if kind == "photo":
        return _("file '%(name)s' is not a photo; allowed: %(allowed)s", name=name, allowed=allowed)
    if kind == "audio":
        return _("file '%(name)s' is not an audio recording; allowed: %(allowed)s", name=name, allowed=allowed)
    return _("file '%(name)s' is not %(kind)s; allowed: %(allowed)s", name=name, kind=kind, allowed=allowed)


def _m_file_content(name: str, kind: str) -> str:
    if kind == "photo":
        return _("file '%(name)s' does not hold what its name says: it is not really a photo", name=name)
    if kind == "audio":
        return _("file '%(name)s' does not hold what its name says: it is not really an audio recording", name=name)
    return _("file '%(name)s' does not hold what its name says: it is not really %(kind)s", name=name, kind=kind)


def _m_file_empty(name: str) -> str:
    return _("file '%(name)s' is empty", name=name)


def _m_file_too_big(name: str, limit: int) -> str:
    return _("file '%(name)s' is larger than %(size)s", name=name, size=_size(limit))


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return _("%(size)s MB", size=format(count / (1024 * 1024), "g"))
    if count >= 1024:
        return _("%(size)s KB", size=format(count / 1024, "g"))
    return _("%(count)s bytes", count=count)


def _m_row(row: int) -> str:
    return _("row %(row)s", row=row)


def _m_column(column: str) -> str:
    return _("column %(column)s", column=column)


# --- Results -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CsvProblem:
    """One problem in a results file; ``row`` 1 is the header."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        place = []
        if self.row is not None:
            place.append(_m_row(self.row))
        if self.column:
            place.append(_m_column(self.column))
        return (", ".join(place) + ": " if place else "") + self.message


class ResultsError(ValueError):
    """A results file has problems; nothing of it may be imported."""

    def __init__(self, problems: list[CsvProblem], filename: str = ""):
        self.problems = list(problems)
        self.filename = filename
        prefix = f"{filename}: " if filename else ""
        super().__init__("\n".join(prefix + str(p) for p in self.problems))

    def messages(self) -> list[str]:
        """Return one ``row N, column C: reason`` line per problem (for --json output)."""
        return [str(p) for p in self.problems]


@dataclass(frozen=True)
class ResultRow:
    """One evaluation of a results file."""

    agent_email: str | None
    branch: str | None
    happened_at: datetime
    shopper_email: str | None
    answers: dict[str, Answer]                        # as scoring.py expects them
    evidence: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # item id -> files
    row: int | None = None                            # spreadsheet row it came from


# --- Reading -----------------------------------------------------------------------------

def _decode(data: str | bytes, filename: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ResultsError([CsvProblem(None, None, _m_not_utf8(line))], filename) from None


def _records(text: str, filename: str) -> list[list[str]]:
    # newline="" lets the csv module see \r, \n and \r\n itself, including inside quotes.
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise ResultsError([CsvProblem(len(records) + 1, None, _m_csv(str(exc)))], filename) from None
    return records


def _parse_yes_no(cell: str) -> bool | None:
    word = cell.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def _parse_seconds(cell: str) -> float | None:
    cell = cell.strip()
    if _DECIMAL.match(cell):
        return _whole(float(cell.replace(",", ".")))
    clock = _CLOCK.match(cell)
    if clock:
        hours, minutes, seconds = clock.groups()
        if float(seconds.replace(",", ".")) >= 60 or (hours is not None and int(minutes) >= 60):
            return None
        total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))
        return _whole(total)
    return None


def _whole(number: float) -> int | float:
    return int(number) if number.is_integer() else number


def _answer_cell(item: Item, cell: str) -> tuple[Answer, str | None]:
    """Turn one item cell into an answer, or give the reason it cannot be one."""
    value = cell.strip()
    if item.type == "text":
        return (value or None), None
    if not value:
        if item.is_scored and not item.na:
            return None, _m_required()
        return None, None
    if item.is_scored and value.lower() in NA_WORDS:
        return (NA, None) if item.na else (None, _m_na_not_allowed())
    if item.type == "yes_no":
        answer = _parse_yes_no(value)
        return (answer, None) if answer is not None else (None, _m_yes_no())
    if item.type in ("scale", "stars"):
        if not _INTEGER.match(value):
            return None, item_value_problem(item, None)
        number = int(value)
        return number, item_value_problem(item, number)
    if item.type == "timer":
        seconds = _parse_seconds(value)
        return (seconds, None) if seconds is not None else (None, _m_seconds())
    return None, None


class _RowChecker:
    """Collect every problem of one file while reading its rows."""

    def __init__(self, form, evidence_dir, default_timezone, max_bytes, agent_exists, branch_exists):
        self.form = form
        self.evidence_dir = Path(evidence_dir) if evidence_dir is not None else None
        self.default_timezone = default_timezone
        self.max_bytes = {**DEFAULT_MAX_BYTES, **(max_bytes or {})}
        self.agent_exists = agent_exists
        self.branch_exists = branch_exists
        self.problems: list[CsvProblem] = []
        self.header_problems = False

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(CsvProblem(row, column, message))

    def header(self, cells: list[str]) -> dict[str, int]:
        """Check the header row; return column name -> position for the usable columns."""
        items = {item.id: item for item in self.form.items()}
        columns: dict[str, int] = {}
        for position, raw in enumerate(cells):
            name = raw.strip().lower()
            if not name:
                # A trailing empty header cell is what spreadsheets leave behind; harmless.
                if any(c.strip() for c in cells[position:]):
                    self.add(1, None, _m_blank_header(position + 1))
                continue
            if name in columns:
                self.add(1, raw.strip(), _m_header_twice())
            elif name not in FIXED_COLUMNS and name not in items:
                self.add(1, raw.strip(), _m_unknown_column(self.form.id))
            else:
                columns[name] = position
        if AGENT not in columns and BRANCH not in columns:
            self.add(1, None, _m_need_who())
        if HAPPENED_AT not in columns:
            self.add(1, HAPPENED_AT, _m_missing_column())
        for item in self.form.items():
            if (item.is_scored or item.type == "timer") and item.id not in columns:
                self.add(1, item.id, _m_missing_column())
        self.header_problems = bool(self.problems)
        return columns

    def row(self, number: int, cells: list[str], columns: dict[str, int], width: int) -> ResultRow | None:
        """Check one result row; return it when it has no problem."""
        before = len(self.problems)
        extra = [c for c in cells[width:] if c.strip()]
        if len(cells) < width or extra:
            self.add(number, None, _m_cell_count(len(cells), width))

        def cell(name: str) -> str:
            position = columns.get(name)
            return cells[position] if position is not None and position < len(cells) else ""

        agent = self._who(number, AGENT, cell(AGENT), _EMAIL, _m_email(), self.agent_exists,
                          _m_unknown_agent()) if AGENT in columns else None
        branch = self._who(number, BRANCH, cell(BRANCH), _BRANCH, _m_branch(), self.branch_exists,
                           _m_unknown_branch()) if BRANCH in columns else None
        if (AGENT in columns or BRANCH in columns) and not cell(AGENT).strip() and not cell(BRANCH).strip():
            self.add(number, AGENT if AGENT in columns else BRANCH, _m_need_who_cell())
        happened_at = self._datetime(number, cell(HAPPENED_AT)) if HAPPENED_AT in columns else None
        shopper = None
        if SHOPPER in columns and cell(SHOPPER).strip():
            shopper = cell(SHOPPER).strip()
            if not _EMAIL.match(shopper):
                self.add(number, SHOPPER, _m_email())

        answers: dict[str, Answer] = {}
        evidence: dict[str, tuple[Path, ...]] = {}
        for item in self.form.items():
            if item.id not in columns:
                continue
            if item.is_evidence:
                names, paths = self._evidence(number, item, cell(item.id))
                if names:
                    answers[item.id], evidence[item.id] = names, paths
                continue
            answer, problem = _answer_cell(item, cell(item.id))
            if problem:
                self.add(number, item.id, problem)
            elif answer is not None:
                answers[item.id] = answer
        if len(self.problems) != before or self.header_problems:
            return None
        # Safety net: the scoring module must accept what this reader produced.
        for problem in validate_answers(self.form, answers):
            self.add(number, problem.item_id, problem.message)
        if len(self.problems) != before:
            return None
        return ResultRow(agent, branch, happened_at, shopper, answers, evidence, number)

    def _who(self, number, column, value, pattern, bad_shape, exists, unknown) -> str | None:
        value = value.strip()
        if not value:
            return None
        if not pattern.match(value):
            self.add(number, column, bad_shape)
        elif exists is not None and not exists(value):
            self.add(number, column, unknown)
        return value

    def _datetime(self, number: int, value: str) -> datetime | None:
        value = value.strip()
        try:
            if not _DATETIME.match(value):
                raise ValueError(value)
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.add(number, HAPPENED_AT, _m_datetime())
            return None
        if moment.tzinfo is None and self.default_timezone is not None:
            moment = moment.replace(tzinfo=self.default_timezone)
        return moment

    def _evidence(self, number: int, item: Item, value: str) -> tuple[list[str], tuple[Path, ...]]:
        names = [n.strip() for n in value.split(EVIDENCE_SEPARATOR) if n.strip()]
        if not names:
            return [], ()
        if self.evidence_dir is None:
            self.add(number, item.id, _m_no_evidence_dir())
            return names, ()
        paths = []
        for name in names:
            path = self._evidence_file(number, item, name)
            if path is not None:
                paths.append(path)
        return names, tuple(paths)

    def _evidence_file(self, number: int, item: Item, name: str) -> Path | None:
        def fail(message: str) -> None:
            self.add(number, item.id, message)

        # Only plain names: a cell must never reach outside the folder given on import.
        if "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
            return fail(_m_bad_file_name(name))
        formats = EVIDENCE_FORMATS[item.type]
        suffix = Path(name).suffix.lower()
        if suffix not in formats:
            return fail(_m_file_extension(name, item.type))
        try:
            folder = self.evidence_dir.resolve()
            path = (folder / name).resolve()
            if path.parent != folder:
                return fail(_m_bad_file_name(name))
            if not path.is_file():
                return fail(_m_file_missing(name))
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(16)
        except (OSError, ValueError):
            return fail(_m_file_unreadable(name))
        if size == 0:
            return fail(_m_file_empty(name))
        limit = self.max_bytes[item.type]
        if size > limit:
            return fail(_m_file_too_big(name, limit))
        if not formats[suffix](head):
            return fail(_m_file_content(name, item.type))
        return path


def parse_results(data: str | bytes, form: FormDefinition, *,
                  evidence_dir: str | Path | None = None,
                  filename: str = "",
                  default_timezone: tzinfo | None = None,
                  max_evidence_bytes: Mapping[str, int] | None = None,
                  agent_exists: Callable[[str], bool] | None = None,
                  branch_exists: Callable[[str], bool] | None = None) -> list[ResultRow]:
    """Read a provider's results file for *form*; raise ResultsError listing every problem.

    Naive ``happened_at`` values get *default_timezone* when one is given (the deployment's
    zone), else stay naive. *agent_exists* / *branch_exists* let the caller's lookups be
    reported as cell problems in the same pass.
    """
    text = _decode(data, filename)
    records = _records(text, filename)
    check = _RowChecker(form, evidence_dir, default_timezone, max_evidence_bytes,
                        agent_exists, branch_exists)
    if not records or not any(c.strip() for c in records[0]):
        raise ResultsError([CsvProblem(1, None, _m_empty_file())], filename)
    columns = check.header(records[0])
    width = len(records[0])
    while width > 0 and not records[0][width - 1].strip():
        width -= 1
    rows: list[ResultRow] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines and all-empty rows that spreadsheets leave at the end
        result = check.row(number, cells, columns, width)
        if result is not None:
            rows.append(result)
    if not rows and not check.problems:
        check.add(2, None, _m_no_rows())
    if check.problems:
        raise ResultsError(check.problems, filename)
    return rows


# --- Writing -----------------------------------------------------------------------------

def export_columns(form: FormDefinition) -> list[str]:
    """Return the header of the results file for *form*."""
    return [*FIXED_COLUMNS, *(item.id for item in form.items())]


def _cell(item: Item, value: Answer) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(_whole(value))
    if isinstance(value, (list, tuple)):
        return EVIDENCE_SEPARATOR.join(value)
    return str(value)


def export_rows(form: FormDefinition, rows: Iterable[ResultRow]) -> str:
    """Write *rows* as a results file for *form*, in the format parse_results reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export_columns(form))
    items = list(form.items())
    for row in rows:
        writer.writerow([
            row.agent_email or "", row.branch or "", row.happened_at.isoformat(),
            row.shopper_email or "", *(_cell(item, row.answers.get(item.id)) for item in items),
        ])
    return out.getvalue()


__all__ = [
    "CsvProblem", "EVIDENCE_FORMATS", "FIXED_COLUMNS", "ResultRow", "ResultsError",
    "export_columns", "export_rows", "parse_results",
]
