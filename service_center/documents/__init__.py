"""Printed documents as PDF: each a function from plain data to bytes (ReportLab ≥ 4).
The notices, the fee notice, the receipt, the decision letter and the daily allocation."""


def init_app(app) -> None:
    from . import api

    app.register_blueprint(api.bp)
