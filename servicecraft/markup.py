"""Markdown to safe HTML: rendered with Python-Markdown, then sanitised with nh3 (Ammonia).

Lessons, protocol documents and comments are written by people; whatever they type, the
result holds no script, no event handler and no foreign-scheme link.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import markdown as _markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead", "tbody",
    "tr", "th", "td", "caption", "sup", "sub", "mark", "abbr", "kbd", "span", "div", "details", "summary",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]


def slugify(text: str) -> str:
    """Heading anchors: lower case, spaces to '-', letters of any script kept."""
    text = re.sub(r"[^\w\s-]", "", text.strip().lower(), flags=re.UNICODE)
    return re.sub(r"[\s_]+", "-", text).strip("-")


def render_markdown(text: str, *, link_rewriter: Callable[[str], str] | None = None) -> str:
    """Render Markdown to sanitised HTML; *link_rewriter* maps custom link targets (e.g. `protocol:`)."""
    html = _markdown.markdown(
        text or "",
        extensions=EXTENSIONS,
        extension_configs={"toc": {"slugify": lambda value, _sep: slugify(value), "permalink": False}},
        output_format="html",
    )
    if link_rewriter is not None:
        html = re.sub(r'(href|src)="([^"]*)"', lambda m: f'{m.group(1)}="{link_rewriter(m.group(2))}"', html)
    return sanitise_html(html)


def sanitise_html(html: str) -> str:
    """Strip everything but the allowed tags, attributes and URL schemes (relative URLs stay)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def headings(text: str) -> list[tuple[int, str, str]]:
    """Return (level, title, anchor) for every Markdown ATX heading of *text*."""
    found = []
    for line in (text or "").splitlines():
        match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match:
            found.append((len(match.group(1)), match.group(2), slugify(match.group(2))))
    return found
