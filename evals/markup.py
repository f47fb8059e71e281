"""Building blocks shared by the QA pages (the run report and the comparison of two runs): escaped
elements, tables in HTML and markdown and one inline stylesheet. No scripts and no external links, so that
every page opens offline, from a file or from the API."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:80rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}
th{background:#e8eef4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{display:inline-block;margin:0 1.5rem 1rem 0}figcaption{font-size:.9rem}
tr.regression td{background:#fbdcd9}tr.worse td{background:#fff3cd}tr.better td{background:#e3f4e6}
.verdict{font-weight:bold}
"""


def escape(value: Any) -> str:
    """Text made safe for element content and quoted attribute values."""
    return html.escape(str(value), quote=True)


def element(tag: str, content: str = "", **attributes: Any) -> str:
    """An element. Attribute names use ``_`` for ``-`` (``font_size``), and a trailing ``_`` avoids a
    keyword (``class_``). ``content`` is markup: escape text before passing it."""
    names = {key: key.rstrip("_").replace("_", "-") for key in attributes}
    attrs = "".join(f" {names[key]}='{escape(value)}'" for key, value in attributes.items())
    return f"<{tag}{attrs}>{content}</{tag}>"


def page(title: str, body: Iterable[str]) -> str:
    """A whole self-contained page: the stylesheet inline, then ``body`` (markup)."""
    head = f"<head><meta charset='utf-8'><title>{escape(title)}</title><style>{STYLE}</style></head>"
    return f"<!doctype html><html lang='en'>{head}<body>{''.join(body)}</body></html>"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Iterable[int] = (),
    row_classes: Iterable[str] | None = None,
) -> str:
    """A table of text cells (escaped here); the ``numeric`` columns are right-aligned, and each row may
    carry a class (an empty string for none)."""
    right = set(numeric)
    head = element("tr", "".join(element("th", escape(header)) for header in headers))
    classes = list(row_classes) if row_classes is not None else None
    body = []
    for index, row in enumerate(rows):
        cells = "".join(
            element("td", escape(cell), class_="num") if column in right else element("td", escape(cell))
            for column, cell in enumerate(row)
        )
        row_class = classes[index] if classes else ""
        body.append(element("tr", cells, class_=row_class) if row_class else element("tr", cells))
    return element("table", head + "".join(body))


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a markdown table (pipes in cells escaped)."""
    lines = [_markdown_row(headers), "|" + "---|" * len(headers)]
    return lines + [_markdown_row(row) for row in rows]


def number_text(value: float | None) -> str:
    """A metric value for a table ("-" when it is undefined)."""
    return "-" if value is None else f"{value:g}"


def interval_text(interval: Sequence[float] | None) -> str:
    """A 95 % interval for a table (empty when there is none)."""
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"
