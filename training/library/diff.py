"""What changed between two versions of a Markdown document (pure Python, no Flask).

The documents are cut into blocks a reader recognises: a heading, a list item, a
paragraph. Blocks are compared with difflib; a block that was edited (rather than added or
removed) also gets a word-by-word comparison, so a reader sees "three" became "two"
without rereading the paragraph. Each change names the section it sits in.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

__all__ = ["Block", "Change", "DiffSummary", "Segment", "blocks", "diff_markdown"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
# Two versions of a paragraph this similar are shown as one edited paragraph.
_EDIT_SIMILARITY = 0.45


@dataclass(frozen=True)
class Block:
    """A heading, list item, code fence or paragraph of a document."""

    text: str
    kind: str  # "heading", "item", "code", "paragraph"
    section: str  # the title of the '## ' section it belongs to ("" before the first)


@dataclass(frozen=True)
class Segment:
    """A run of words that is the same in both versions, or only in the old or the new one."""

    kind: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class Change:
    """One step of the comparison: a block kept, added, removed or edited."""

    kind: str  # "same", "added", "removed", "changed"
    old: str
    new: str
    section: str
    segments: tuple[Segment, ...] = ()


@dataclass
class DiffSummary:
    """The changes in reading order, with counts for the summary line."""

    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def removed(self) -> int:
        return self.count("removed")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def is_identical(self) -> bool:
        return all(c.kind == "same" for c in self.changes)

    def hunks(self, context: int = 1) -> list[list[Change]]:
        """Group the changes with *context* unchanged blocks around them; long unchanged runs are cut."""
        interesting = [i for i, c in enumerate(self.changes) if c.kind != "same"]
        if not interesting:
            return []
        groups: list[list[int]] = []
        for index in interesting:
            low, high = max(0, index - context), min(len(self.changes) - 1, index + context)
            if groups and low <= groups[-1][-1] + 1:
                groups[-1].extend(i for i in range(groups[-1][-1] + 1, high + 1))
            else:
                groups.append(list(range(low, high + 1)))
        return [[self.changes[i] for i in group] for group in groups]


def blocks(text: str) -> list[Block]:
    """Cut Markdown into blocks: headings, list items and code fences alone, paragraphs joined."""
    found: list[Block] = []
    section = ""
    paragraph: list[str] = []
    fence: list[str] | None = None

    def flush_paragraph() -> None:
        if paragraph:
            found.append(Block(" ".join(line.strip() for line in paragraph), "paragraph", section))
            paragraph.clear()

    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if fence is not None:
            fence.append(line)
            if _FENCE.match(line):
                found.append(Block("\n".join(fence), "code", section))
                fence = None
            continue
        if _FENCE.match(line):
            flush_paragraph()
            fence = [line]
            continue
        heading = _HEADING.match(line)
        if heading:
            flush_paragraph()
            if len(heading.group(1)) == 2:
                section = heading.group(2)
            found.append(Block(line.strip(), "heading", section))
        elif not line.strip():
            flush_paragraph()
        elif _LIST_ITEM.match(line):
            flush_paragraph()
            found.append(Block(line.strip(), "item", section))
        elif found and found[-1].kind == "item" and line.startswith((" ", "\t")) and not paragraph:
            # A wrapped list item continues on an indented line.
            last = found.pop()
            found.append(Block(last.text + " " + line.strip(), "item", section))
        else:
            paragraph.append(line)
    if fence is not None:
        found.append(Block("\n".join(fence), "code", section))
    flush_paragraph()
    return found


def _words(old: str, new: str) -> tuple[Segment, ...]:
    """Compare two texts word by word; neighbouring pieces of one kind are merged."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[Segment] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(kind, segments[-1].text + text)
        else:
            segments.append(Segment(kind, text))

    # (changed?, old text, new text); a lone space between two changes joins them, so
    # "within a few minutes" -> "at once" reads as one replacement, not four.
    ops: list[list] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        ops.append([tag != "equal", old_text, new_text])
    for index in range(1, len(ops) - 1):
        if not ops[index][0] and not ops[index][1].strip() and ops[index - 1][0] and ops[index + 1][0]:
            ops[index][0] = True
    merged: list[list] = []
    for op in ops:
        if merged and op[0] and merged[-1][0]:
            merged[-1][1] += op[1]
            merged[-1][2] += op[2]
        else:
            merged.append(list(op))
    for is_change, old_text, new_text in merged:
        if is_change:
            add("removed", old_text)
            add("added", new_text)
        else:
            add("same", old_text)
    return tuple(segments)


def _similar(old: str, new: str) -> bool:
    return difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio() >= _EDIT_SIMILARITY


def diff_markdown(old: str, new: str) -> DiffSummary:
    """Compare two Markdown documents block by block (and word by word inside edited blocks)."""
    old_blocks, new_blocks = blocks(old), blocks(new)
    matcher = difflib.SequenceMatcher(None, [b.text for b in old_blocks], [b.text for b in new_blocks], autojunk=False)
    summary = DiffSummary()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for block in new_blocks[j1:j2]:
                summary.changes.append(Change("same", block.text, block.text, block.section))
            continue
        removed, added = old_blocks[i1:i2], new_blocks[j1:j2]
        # Pair edited blocks in order while they still resemble each other; the rest are whole additions/removals.
        paired = 0
        while paired < min(len(removed), len(added)) and _similar(removed[paired].text, added[paired].text):
            before, after = removed[paired], added[paired]
            summary.changes.append(Change("changed", before.text, after.text, after.section, _words(before.text, after.text)))
            paired += 1
        for block in removed[paired:]:
            summary.changes.append(Change("removed", block.text, "", block.section))
        for block in added[paired:]:
            summary.changes.append(Change("added", "", block.text, block.section))
    return summary
