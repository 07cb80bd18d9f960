"""The pure 'what changed' comparison of two Markdown documents."""

from training.library.diff import blocks, diff_markdown

OLD = """## Acknowledge

Every request gets an acknowledgement within a few minutes.

## Updates

- Send an update every three days.
- Apologise for delays.
"""

NEW = """## Acknowledge

Every request gets an acknowledgement at once.

## Updates

- Send an update every two days.
- Tell the customer the new date.

## Report the solution

Tell the customer what was done.
"""


def test_blocks_cut_headings_items_and_paragraphs():
    found = blocks("# Title\n\nA paragraph\nthat wraps.\n\n- one\n- two\n  continued\n\n```\ncode\n```\n")
    assert [(b.kind, b.text) for b in found] == [
        ("heading", "# Title"), ("paragraph", "A paragraph that wraps."), ("item", "- one"),
        ("item", "- two continued"), ("code", "```\ncode\n```"),
    ]


def test_diff_shows_added_removed_and_changed_blocks():
    summary = diff_markdown(OLD, NEW)
    kinds = [(c.kind, c.old, c.new) for c in summary.changes if c.kind != "same"]
    assert ("removed", "- Apologise for delays.", "") in kinds
    assert ("added", "", "## Report the solution") in kinds
    assert ("added", "", "Tell the customer what was done.") in kinds
    edited = [c for c in summary.changes if c.kind == "changed"]
    assert {c.new for c in edited} >= {"Every request gets an acknowledgement at once.", "- Send an update every two days."}
    words = next(c for c in edited if "two" in c.new).segments
    assert ("removed", "three") in [(s.kind, s.text) for s in words]
    assert ("added", "two") in [(s.kind, s.text) for s in words]
    assert summary.added >= 2 and summary.removed >= 1 and summary.changed == 2
    assert next(c for c in edited if "two" in c.new).section == "Updates"


def test_identical_documents_have_no_changes_and_no_hunks():
    summary = diff_markdown(OLD, OLD)
    assert summary.is_identical and summary.hunks() == []


def test_hunks_keep_context_and_cut_long_unchanged_runs():
    old = "\n\n".join(f"Paragraph {i} says something here." for i in range(10))
    new = old.replace("Paragraph 5 says something here.", "Paragraph 5 says something else here.")
    hunks = diff_markdown(old, new).hunks(context=1)
    assert len(hunks) == 1
    assert [c.kind for c in hunks[0]] == ["same", "changed", "same"]
