"""One function per document: plain data (display strings, already in the center's time
zone and formatted as ¥) in, PDF bytes out. Labels are English msgids through gettext."""

from __future__ import annotations

from flask_babel import gettext as _

from .render import Document, TableBlock, render


def _case_fields(data: dict) -> list[tuple[str, str]]:
    fields = [(_("Case number"), data["tracking_no"]),
              (_("Service item"), data["service_item"]),
              (_("Applicant"), data["applicant"])]
    if data.get("organization"):
        fields.append((_("Organization"), data["organization"]))
    fields.append((_("Service hall"), data["hall"]))
    return fields


def _issuer(data: dict, day: str) -> str:
    return f"{data['center']}  {day}"


def acceptance_notice(data: dict) -> bytes:
    """受理通知书: number, query code, time limits, the materials received, QR to tracking."""
    fields = _case_fields(data) + [
        (_("Accepted on"), data["accepted_at"]),
        (_("Promised completion by"), data["promised_deadline"]),
        (_("Statutory time limit"), data["statutory_deadline"]),
        (_("Query code"), data.get("query_code") or _("as given at intake")),
    ]
    return render(Document(
        center=data["center"], title=_("Acceptance notice"),
        number=_("Case number: %(no)s", no=data["tracking_no"]), fields=fields,
        paragraphs=[("", _("Your application has been accepted. Track its progress with the "
                           "case number and the query code."))],
        lists=[(_("Materials received"), data["materials"])],
        qr_url=data.get("track_url"), qr_caption=_("Scan to track this case: %(url)s",
                                                   url=data.get("track_url") or ""),
        issuer=_issuer(data, data["issued_on"]),
        footer=_("Time limits are counted in working days from the day after acceptance.")))


def supplement_notice(data: dict) -> bytes:
    """一次性告知书: every missing material at once."""
    return render(Document(
        center=data["center"], title=_("One-time notice of missing materials"),
        number=_("Case number: %(no)s", no=data["tracking_no"]),
        fields=_case_fields(data) + [(_("Notified on"), data["issued_on"])],
        paragraphs=[("", _("To go on with your application, please bring all of the "
                           "following materials at once:"))]
        + ([(_("Reason"), data["reason"])] if data.get("reason") else []),
        lists=[(_("Missing materials"), data["missing"])],
        closing=[_("This notice lists everything that is missing; nothing else will be "
                   "asked for.")],
        issuer=_issuer(data, data["issued_on"])))


def refusal_notice(data: dict) -> bytes:
    """不予受理通知书."""
    return render(Document(
        center=data["center"], title=_("Notice of refusal to accept"),
        number=_("Case number: %(no)s", no=data["tracking_no"]),
        fields=_case_fields(data) + [(_("Refused on"), data["issued_on"])],
        paragraphs=[(_("Reason"), data["reason"] or "")],
        closing=[_("You may apply for administrative reconsideration or bring an "
                   "administrative lawsuit according to law.")],
        issuer=_issuer(data, data["issued_on"])))


def decision_letter(data: dict) -> bytes:
    """准予/不予许可决定书."""
    approved = data["approved"]
    title = _("Decision to grant the licence") if approved else \
        _("Decision not to grant the licence")
    body = _("After review, the application meets the statutory conditions and is granted.") \
        if approved else _("After review, the application is not granted.")
    paragraphs = [("", body)]
    if data.get("reason"):
        paragraphs.append((_("Opinion"), data["reason"]))
    if data.get("legal_basis"):
        paragraphs.append((_("Legal basis"), data["legal_basis"]))
    fields = _case_fields(data) + [(_("Deciding department"), data["department"]),
                                   (_("Decided on"), data["issued_on"])]
    closing = [] if approved else [_("You may apply for administrative reconsideration or "
                                     "bring an administrative lawsuit according to law.")]
    return render(Document(
        center=data["center"], title=title,
        number=_("Case number: %(no)s", no=data["tracking_no"]), fields=fields,
        paragraphs=paragraphs, closing=closing,
        issuer=f"{data['department']}  {data['center']}  {data['issued_on']}"))


def _fee_rows(lines: list[dict]) -> list[list[str]]:
    return [[line["department"], line["name"], line["basis"], line["amount"]] for line in lines]


def fee_notice(data: dict) -> bytes:
    """缴费通知书: each department's items and the one total."""
    blocks = [TableBlock(
        heading=_("Fees by department"),
        header=[_("Department"), _("Fee"), _("Basis"), _("Amount")],
        rows=_fee_rows(data["lines"]),
        total=[_("Total"), "", "", data["total"]],
        widths=[0.24, 0.30, 0.28, 0.18], numeric=(3,))]
    if data["adjustments"]:
        blocks.append(TableBlock(
            heading=_("Adjustments after assessment"),
            header=[_("Fee"), _("Change"), _("Reason"), _("Date")],
            rows=[[a["name"], a["amount"], a["reason"], a["at"]] for a in data["adjustments"]],
            widths=[0.26, 0.16, 0.40, 0.18], numeric=(1,)))
    return render(Document(
        center=data["center"], title=_("Fee notice"),
        number=_("Case number: %(no)s", no=data["tracking_no"]),
        fields=_case_fields(data) + [(_("Assessed on"), data["assessed_on"]),
                                     (_("Amount to pay"), data["outstanding"]),
                                     (_("Pay"), data["due"])],
        tables=blocks,
        closing=[_("All departments' fees are paid once, at the center's cashier window, "
                   "and the center passes each department its share. Proxy service is free.")],
        issuer=_issuer(data, data["issued_on"])))


def receipt(data: dict) -> bytes:
    """The combined receipt of one payment."""
    fields = _case_fields(data) + [
        (_("Receipt number"), data["receipt_no"]),
        (_("Paid at"), data["paid_at"]),
        (_("Method"), data["method"]),
    ]
    if data.get("reference"):
        fields.append((_("Reference"), data["reference"]))
    fields.append((_("Cashier"), data["cashier"]))
    return render(Document(
        center=data["center"], title=_("Combined fee receipt"),
        number=_("Receipt number: %(no)s", no=data["receipt_no"]), fields=fields,
        tables=[TableBlock(
            heading=_("Received for each department"),
            header=[_("Department"), _("Fee"), _("Amount")],
            rows=[[r["department"], r["name"], r["amount"]] for r in data["lines"]],
            total=[_("Total received"), "", data["total"]],
            widths=[0.32, 0.44, 0.24], numeric=(2,))],
        issuer=_issuer(data, data["paid_on"])))


def allocation_report(data: dict) -> bytes:
    """The day's allocation: what the center passes on to each department."""
    return render(Document(
        center=data["center"], title=_("Daily fee allocation"),
        number=_("Service day: %(day)s", day=data["date"]),
        fields=[(_("Hall"), data["hall"]), (_("Payments"), data["payments"]),
                (_("Refunds and voids"), data["reversed"])],
        tables=[TableBlock(
            heading=_("To pass on to each department"),
            header=[_("Department"), _("Code"), _("Amount")],
            rows=[[r["name"], r["code"], r["amount"]] for r in data["departments"]],
            total=[_("Total"), "", data["total"]],
            widths=[0.52, 0.2, 0.28], numeric=(2,))],
        issuer=_issuer(data, data["printed_on"])))
