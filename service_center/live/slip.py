"""The printed ticket: 80 mm thermal paper, the number big, a QR code to the live
ticket page. A function from plain data to PDF bytes; all text is drawn with
canvas.drawString (never Paragraph markup), so nothing a user typed can inject markup."""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
WIDTH = 80 * mm
HEIGHT = 120 * mm
MARGIN = 5 * mm


@dataclass(frozen=True)
class SlipData:
    center: str
    number: str
    category: str
    ahead: int
    wait_minutes: int
    issued_at: str  # already formatted in the center's time zone
    url: str
    labels: dict  # translated captions: ahead, wait, minutes, issued, scan, footer


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _centered(c: canvas.Canvas, y: float, text: str, size: float, bold: bool = False) -> None:
    # the CID font's Latin glyphs are spaced for CJK text: plain ASCII reads better in Helvetica
    font = ("Helvetica-Bold" if bold else "Helvetica") if text.isascii() else FONT
    c.setFont(font, size)
    # shrink a long line rather than run off the paper
    while size > 6 and pdfmetrics.stringWidth(text, font, size) > WIDTH - 2 * MARGIN:
        size -= 0.5
        c.setFont(font, size)
    c.drawCentredString(WIDTH / 2, y, text)


def render(data: SlipData) -> bytes:
    _register_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(WIDTH, HEIGHT))
    c.setTitle(data.number)
    y = HEIGHT - 10 * mm
    _centered(c, y, data.center, 11)
    y -= 8 * mm
    _centered(c, y, data.category, 12)
    y -= 19 * mm
    _centered(c, y, data.number, 48, bold=True)
    y -= 9 * mm
    _centered(c, y, f"{data.labels['ahead']}: {data.ahead}", 11)
    y -= 6 * mm
    _centered(c, y, f"{data.labels['wait']}: {data.wait_minutes} {data.labels['minutes']}", 11)
    y -= 6 * mm
    _centered(c, y, f"{data.labels['issued']}: {data.issued_at}", 9)
    qr = qrcode.QRCode(border=1, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data.url)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white")
    img_buf = io.BytesIO()
    img.save(img_buf, format="PNG")
    img_buf.seek(0)
    size = 34 * mm
    y -= size + 3 * mm
    c.drawImage(ImageReader(img_buf), (WIDTH - size) / 2, y, size, size)
    y -= 5 * mm
    _centered(c, y, data.labels["scan"], 9)
    y -= 5 * mm
    _centered(c, y, data.labels["footer"], 8)
    c.showPage()
    c.save()
    return buf.getvalue()
