"""The catalog: halls, departments, queue categories, windows, service items,
fee items, workflow templates and calendar overrides; YAML import/export."""


def init_app(app) -> None:
    from . import admin_views, api, cli

    app.register_blueprint(admin_views.bp)
    app.register_blueprint(api.bp)
    cli.register(app)
