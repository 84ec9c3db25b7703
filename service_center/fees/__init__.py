"""One-time fees (一次性收费): the combined assessment stored at acceptance, one payment of
exactly the outstanding total, manager's adjustments, voids and refunds as new rows, and
the allocation of the money back to each department."""


def init_app(app) -> None:
    from . import api, views

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
