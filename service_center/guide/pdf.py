"""The printable guide: one A4 page from plain data (strings only). Every piece of text
is escaped before it becomes a Paragraph, so catalog text cannot inject ReportLab markup."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..documents.render import font
from ..documents.render import text as pdf_text

# one CJK font choice for every document (documents/render.py)
_font = font


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_text(value), style)


def guide_pdf(doc: dict[str, Any]) -> bytes:
    """`doc`: title, subtitle, sections [(heading, body)], tables [(heading, header,
    rows)], footer — all plain strings. Shrinks to fit one page whatever the length."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, spaceAfter=2)
    sub = ParagraphStyle("sub", fontName=font, fontSize=8.5, leading=11,
                         textColor=colors.HexColor("#444444"))
    head = ParagraphStyle("head", fontName=font, fontSize=10.5, leading=13, spaceBefore=5,
                          spaceAfter=2)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11.5)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)

    width, height = A4
    margin = 14 * mm
    frame_w, frame_h = width - 2 * margin, height - 2 * margin
    story: list = [_p(doc["title"], title), _p(doc.get("subtitle", ""), sub), Spacer(1, 4)]
    for heading, text in doc.get("sections", []):
        story += [_p(heading, head), _p(text, body)]
    for heading, header, rows in doc.get("tables", []):
        story.append(_p(heading, head))
        data = [[_p(h, cell) for h in header]] + [[_p(v, cell) for v in row] for row in rows]
        table = Table(data, colWidths=[frame_w / len(header)] * len(header), repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        story.append(table)
    story += [Spacer(1, 6), _p(doc.get("footer", ""), sub)]

    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin,
                            title=str(doc["title"]), author="OneWindow")
    # the whole guide in one frame that shrinks to fit: always exactly one page
    pdf.build([KeepInFrame(frame_w, frame_h - 2, story, mode="shrink")])
    return buffer.getvalue()
