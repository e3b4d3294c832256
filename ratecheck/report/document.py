"""A report as a list of blocks, rendered to Markdown and to self-contained HTML.

One structure feeds both outputs, so they always say the same thing. The HTML page
has no script and no external resource: styles are inline, figures are embedded as
base64 ``data:`` URIs (SVG by default; a PDF figure is shown by its SVG rendering) and
formulas are MathML (:class:`Math` table cells), which browsers render natively.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Paragraph:
    text: str
    css: str = ""


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    #: per row, a CSS class for the HTML ``<tr>`` (e.g. the verdict status)
    row_classes: list[str] = field(default_factory=list)


#: Figure file formats and the MIME type an HTML page embeds each with.
FORMATS = {"svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png"}


@dataclass
class Figure:
    path: str  # relative to the report, e.g. "figures/claim-01-holds.svg"
    data: bytes  # the file's bytes
    caption: str
    #: SVG the HTML page shows instead of ``data`` (a PDF, which no <img> displays)
    shown: bytes = b""


@dataclass
class Math:
    """A table cell holding a formula: ``text`` in Markdown, ``mathml`` in HTML."""

    text: str
    mathml: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Code:
    text: str


Block = Heading | Paragraph | Bullets | Table | Figure | Code


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}")
        elif isinstance(b, Paragraph):
            out.append(b.text)
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {i}" for i in b.items))
        elif isinstance(b, Table):
            lines = ["| " + " | ".join(_md_cell(h) for h in b.headers) + " |", "|" + "---|" * len(b.headers)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif isinstance(b, Figure):
            out.append(f"![{_md_cell(b.caption)}]({b.path})\n\nFigure: {b.caption}")
        elif isinstance(b, Code):
            out.append(f"```\n{b.text}\n```")
    return "\n\n".join(out) + "\n"


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1180px; margin: 2em auto;
       padding: 0 1em; color: #1d1d1f; line-height: 1.45; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .35em .6em; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
tr.pass td.status { background: #d9f2dd; font-weight: 600; }
tr.fail td.status { background: #f9d6d5; font-weight: 600; }
tr.inconclusive td.status { background: #fdf1c7; font-weight: 600; }
tr.not-applicable td.status, tr.info td.status { background: #ececf0; font-weight: 600; }
tr.partial td.status { background: #fbe3c8; font-weight: 600; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
pre { background: #f5f5f7; padding: .8em; overflow-x: auto; font-size: .85em; }
p.note { color: #555; font-size: .9em; }
"""


STATUS_TD = '<td class="status">'


def _table_html(b: Table) -> str:
    status_col = b.headers.index("status") if "status" in b.headers else -1
    head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
    rows = []
    for i, row in enumerate(b.rows):
        cls = f' class="{html.escape(b.row_classes[i])}"' if i < len(b.row_classes) and b.row_classes[i] else ""
        cells = "".join((STATUS_TD if j == status_col else "<td>") + f"{_html_cell(c)}</td>" for j, c in enumerate(row))
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass
class Link:
    """A table cell linking to a file beside the page (``href``, relative)."""

    text: str
    href: str

    def __str__(self) -> str:
        return self.text


def _html_cell(c) -> str:
    if isinstance(c, Math):
        return c.mathml
    if isinstance(c, Link):
        return f'<a href="{html.escape(c.href)}">{html.escape(c.text)}</a>'
    return html.escape(str(c))


def to_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            cls = f' class="{b.css}"' if b.css else ""
            body.append(f"<p{cls}>{html.escape(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            body.append(_table_html(b))
        elif isinstance(b, Figure):
            mime = FORMATS["svg"] if b.shown else FORMATS[b.path.rpartition(".")[2]]
            data = base64.b64encode(b.shown or b.data).decode("ascii")
            body.append(
                f'<figure><img src="data:{mime};base64,{data}" alt="{html.escape(b.caption)}">'
                f"<figcaption>{html.escape(b.caption)}</figcaption></figure>"
            )
        elif isinstance(b, Code):
            body.append(f"<pre>{html.escape(b.text)}</pre>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
