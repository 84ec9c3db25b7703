"""The combined fee assessment of a case, computed from the catalog's fee items and the
case's parameters. Pure: plain data in, plain data out (the fees domain stores and
collects it; this only answers what a case owes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..money import per_unit_fen


@dataclass(frozen=True)
class FeeRule:
    code: str
    department: str
    basis: str  # fixed | per_unit
    amount_fen: int | None = None
    rate_fen: int | None = None
    quantity_param: str | None = None
    min_fen: int | None = None
    max_fen: int | None = None

    @classmethod
    def from_model(cls, fee) -> FeeRule:
        return cls(code=fee.code, department=fee.department.code, basis=fee.basis,
                   amount_fen=fee.amount_fen, rate_fen=fee.rate_fen,
                   quantity_param=fee.quantity_param, min_fen=fee.min_fen, max_fen=fee.max_fen)


class MissingQuantity(ValueError):
    def __init__(self, fee_code: str, param: str | None):
        super().__init__(f"fee {fee_code} needs the parameter {param!r}")
        self.fee_code = fee_code
        self.param = param


def amount_for(rule: FeeRule, params: Mapping[str, Decimal]) -> int:
    """One fee item in fen: rate × quantity rounded half up (四舍五入), then the
    item's minimum and maximum."""
    if rule.basis == "per_unit":
        quantity = params.get(rule.quantity_param or "")
        if quantity is None or rule.rate_fen is None:
            raise MissingQuantity(rule.code, rule.quantity_param)
        amount = per_unit_fen(rule.rate_fen, Decimal(quantity))
    else:
        amount = rule.amount_fen or 0
    if rule.min_fen is not None and amount < rule.min_fen:
        amount = rule.min_fen
    if rule.max_fen is not None and amount > rule.max_fen:
        amount = rule.max_fen
    return amount


def assess(rules: Iterable[FeeRule], params: Mapping[str, Decimal]) -> dict:
    """{items: [{code, department, amount_fen}], total_fen}; the total is the sum of the
    items, each rounded on its own. Proxy service never appears here: it is free."""
    items = [{"code": r.code, "department": r.department, "amount_fen": amount_for(r, params)}
             for r in rules]
    return {"items": items, "total_fen": sum(i["amount_fen"] for i in items)}
