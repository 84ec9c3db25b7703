"""Staff accounts, roles, sign-in (sessions and bearer tokens), and the one permission helper."""


def init_app(app) -> None:
    from .. import audit
    from ..extensions import login_manager
    from . import api, cli, security, services, views

    login_manager.login_view = "auth.login"
    login_manager.user_loader(services.load_user)
    login_manager.request_loader(services.load_user_from_bearer)
    login_manager.unauthorized_handler(services.unauthorized)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    # idle and absolute session lifetime, forced 2FA enrolment / password change
    app.before_request(security.guard_request)
    audit.init_app(app)
    cli.init_app(app)
