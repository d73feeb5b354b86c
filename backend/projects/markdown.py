"""Markdown written by members, rendered safely.

CommonMark with raw HTML off (a <script> typed in a description comes out as text) and links
limited to http, https and mailto; the HTML produced then goes through nh3 (the Ammonia
sanitizer) with a short list of allowed tags, so that nothing executable survives even if the
parser were fooled.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.disable("image")  # no images from elsewhere in descriptions (and no tracking pixels)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr",
}  # fmt: skip
HEADINGS = {"<h1>": "<h2>", "</h1>": "</h2>"}  # the page has its own h1


def render(text: str) -> SafeString:
    html = _parser.render(text or "")
    for old, new in HEADINGS.items():
        html = html.replace(old, new)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)
