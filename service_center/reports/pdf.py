"""The monthly assessment scorecard (考核评议) as a PDF: plain data in, bytes out. Every
piece of user or catalog text is escaped before it becomes a Paragraph (no markup injection)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..documents.render import font
from ..documents.render import text as pdf_text

# one CJK font choice for every document (documents/render.py)
_font = font


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_text(value), style)


def scorecard_pdf(doc: dict[str, Any]) -> bytes:
    """`doc`: title, subtitle, tables [(heading, header, rows)], notes [str] — strings."""
    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=20, spaceAfter=4)
    sub = ParagraphStyle("s", fontName=font, fontSize=9, leading=12,
                         textColor=colors.HexColor("#444444"))
    head = ParagraphStyle("h", fontName=font, fontSize=11.5, leading=15, spaceBefore=8,
                          spaceAfter=4)
    cell = ParagraphStyle("c", fontName=font, fontSize=8.5, leading=10.5)
    note = ParagraphStyle("n", fontName=font, fontSize=7.5, leading=10,
                          textColor=colors.HexColor("#555555"))
    buffer = io.BytesIO()
    page = landscape(A4)
    pdf = SimpleDocTemplate(buffer, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=doc["title"])
    story: list = [_p(doc["title"], title), _p(doc.get("subtitle", ""), sub)]
    for heading, header, rows in doc.get("tables", []):
        story.append(_p(heading, head))
        data = [[_p(h, cell) for h in header]] + [[_p(v, cell) for v in row] for row in rows]
        if not rows:
            data.append([_p("—", cell)] + [_p("", cell) for _ in header[1:]])
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(table)
    if doc.get("notes"):
        story.append(Spacer(1, 6))
        story.extend(_p(text, note) for text in doc["notes"])
    pdf.build(story)
    return buffer.getvalue()
