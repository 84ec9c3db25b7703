"""The lobby queue: tickets, numbering, windows, call order, transfers, waits."""


def init_app(app) -> None:
    from . import api, views

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
