"""Cases and joint approval: intake at one window, parallel department steps, free proxy
agents, working-day deadlines, tracking."""


def init_app(app) -> None:
    from . import api, views

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.calendar_bp)
