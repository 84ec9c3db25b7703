"""The public service guide (办事指南) and the public disclosure pages (政务公开):
search, per-item guides with a printable PDF, administrators' guide editing with a
change history, fee standards, staff on duty and performance by department."""


def init_app(app) -> None:
    from . import admin_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.config.setdefault("GUIDE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
