"""Door-to-door service (上门服务): requests from the public page or from staff, visits
assigned to staff by day, the day's route, the visit's result and the case it serves."""

from __future__ import annotations


def init_app(app) -> None:
    from ..extensions import csrf
    from ..notifications import apply_settings
    from . import api, services, views

    apply_settings(app, services.SETTINGS)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    # bearer-token clients; a browser's session call is checked by the app's API hook
    csrf.exempt(api.bp)
