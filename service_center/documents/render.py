"""One A4 layout for every document, from plain data. Every piece of text is escaped
before it becomes a Paragraph, so nothing an applicant typed can inject ReportLab markup
(S6). Output is deterministic (`invariant`): the same data gives the same bytes."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# A TrueType CJK font from the system's packages (Debian fonts-wqy-zenhei) is embedded
# when installed, so the text renders in any viewer; otherwise the viewer's own
# STSong-Light (a standard CJK font every PDF reader has).
TTF_CANDIDATES = (
    os.environ.get("ONEWINDOW_PDF_FONT", ""),
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
CID_FONT = "STSong-Light"
_font_name: str | None = None


def font() -> str:
    global _font_name
    if _font_name is None:
        for path in TTF_CANDIDATES:
            if path and os.path.exists(path):
                try:
                    pdfmetrics.registerFont(TTFont("OneWindowCJK", path, subfontIndex=0))
                    _font_name = "OneWindowCJK"
                    break
                except Exception:  # a font file ReportLab cannot read (e.g. CFF outlines)
                    continue
        if _font_name is None:
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
            _font_name = CID_FONT
    return _font_name


def text(value) -> str:
    """Plain text → Paragraph source: escaped, line breaks kept."""
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


@dataclass
class TableBlock:
    heading: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # fractions of the frame width
    total: list[str] | None = None      # a bold last row
    numeric: tuple[int, ...] = ()       # columns aligned right


@dataclass
class Document:
    """Everything is already a display string (dates in the center's zone, ¥ amounts)."""

    center: str
    title: str
    number: str                        # the document's reference line, e.g. the case number
    fields: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (heading, body)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)  # numbered lists
    tables: list[TableBlock] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    issuer: str = ""                   # signature line, e.g. the center and the date
    qr_url: str | None = None
    qr_caption: str = ""
    footer: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    f = font()
    return {
        "center": ParagraphStyle("center", fontName=f, fontSize=11, leading=14,
                                 alignment=TA_CENTER, textColor=colors.HexColor("#333333")),
        "title": ParagraphStyle("title", fontName=f, fontSize=18, leading=24,
                                alignment=TA_CENTER, spaceBefore=4, spaceAfter=2),
        "number": ParagraphStyle("number", fontName=f, fontSize=9.5, leading=12,
                                 alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "head": ParagraphStyle("head", fontName=f, fontSize=11.5, leading=15, spaceBefore=8,
                               spaceAfter=3),
        "body": ParagraphStyle("body", fontName=f, fontSize=10, leading=14.5),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=9.5, leading=12),
        "num": ParagraphStyle("num", fontName=f, fontSize=9.5, leading=12, alignment=TA_RIGHT),
        "label": ParagraphStyle("label", fontName=f, fontSize=9.5, leading=12,
                                textColor=colors.HexColor("#444444")),
        "issuer": ParagraphStyle("issuer", fontName=f, fontSize=10.5, leading=15,
                                 alignment=TA_RIGHT, spaceBefore=14),
        "small": ParagraphStyle("small", fontName=f, fontSize=8, leading=10,
                                textColor=colors.HexColor("#555555")),
    }


def _qr(url: str, size: float) -> Image:
    qr = qrcode.QRCode(border=1, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    buf.seek(0)
    return Image(buf, width=size, height=size)


_GRID = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
         ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
         ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]


def _cells(values: list[str], numeric: tuple[int, ...], st: dict) -> list:
    return [Paragraph(text(value), st["num"] if i in numeric else st["cell"])
            for i, value in enumerate(values)]


def render(doc: Document) -> bytes:
    st = _styles()
    buf = io.BytesIO()
    margin = 18 * mm
    width = A4[0] - 2 * margin
    template = SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin,
                                 topMargin=16 * mm, bottomMargin=16 * mm, title=doc.title,
                                 author=doc.center, invariant=1)
    story: list = [Paragraph(text(doc.center), st["center"]),
                   Paragraph(text(doc.title), st["title"]),
                   Paragraph(text(doc.number), st["number"]), Spacer(1, 8)]
    if doc.fields:
        rows = [[Paragraph(text(k), st["label"]), Paragraph(text(v), st["cell"])]
                for k, v in doc.fields]
        info = Table(rows, colWidths=[width * 0.26, width * 0.74])
        info.setStyle(TableStyle(_GRID + [
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]))
        story.append(info)
    for heading, body in doc.paragraphs:
        story.append(Spacer(1, 6))
        if heading:
            story.append(Paragraph(text(heading), st["head"]))
        story.append(Paragraph(text(body), st["body"]))
    for heading, items in doc.lists:
        story.append(Paragraph(text(heading), st["head"]))
        for i, item in enumerate(items, start=1):
            story.append(Paragraph(f"{i}. {text(item)}", st["body"]))
    for block in doc.tables:
        story.append(Paragraph(text(block.heading), st["head"]))

        rows = [_cells(block.header, block.numeric, st)]
        rows += [_cells(r, block.numeric, st) for r in block.rows]
        if block.total:
            rows.append(_cells(block.total, block.numeric, st))
        widths = [width * w for w in block.widths] if block.widths else None
        table = Table(rows, colWidths=widths, repeatRows=1)
        style = _GRID + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))]
        if block.total:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f2f2f2")))
        table.setStyle(TableStyle(style))
        story.append(table)
    for line in doc.closing:
        story += [Spacer(1, 4), Paragraph(text(line), st["body"])]
    if doc.qr_url:
        size = 30 * mm
        qr = Table([[_qr(doc.qr_url, size), Paragraph(text(doc.qr_caption), st["small"])]],
                   colWidths=[size + 4 * mm, width - size - 4 * mm])
        qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [Spacer(1, 8), qr]
    if doc.issuer:
        story.append(Paragraph(text(doc.issuer), st["issuer"]))
    if doc.footer:
        story += [Spacer(1, 10), Paragraph(text(doc.footer), st["small"])]
    template.build(story)
    return buf.getvalue()
