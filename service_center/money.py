"""Money is integer fen (分) everywhere. One parser, one formatter, one rounding rule."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

_AMOUNT = re.compile(r"(?P<sign>-?)(?P<yuan>[0-9]{1,12})(?:\.(?P<frac>[0-9]{1,2}))?")
_DECIMAL = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,6})?")


def parse_yuan(text: str, *, allow_negative: bool = False) -> int:
    """'12.30' -> 1230. Strict ASCII digits, at most two decimals; anything else is refused."""
    if not isinstance(text, str):
        raise ValueError("amount must be a decimal string such as \"12.30\"")
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an amount in yuan such as \"12.30\"")
    if match["sign"] and not allow_negative:
        raise ValueError(f"{text!r} is negative")
    frac = (match["frac"] or "").ljust(2, "0")
    fen = int(match["yuan"]) * 100 + int(frac)
    return -fen if match["sign"] else fen


def parse_decimal(text: str) -> Decimal:
    """A quantity or parameter value: strict ASCII decimal string."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError("must be a decimal number")
    text = str(text)
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal number")
    return Decimal(text)


def per_unit_fen(rate_fen: int, quantity: Decimal) -> int:
    """rate × quantity, rounded half up to the fen (四舍五入)."""
    return int((Decimal(rate_fen) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan_str(fen: int) -> str:
    """1230 -> '12.30' (the catalog file's format)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_fen(fen: int) -> str:
    """1230 -> '¥12.30' (for people)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}¥{fen // 100:,}.{fen % 100:02d}"
