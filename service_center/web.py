"""Pages that belong to no single domain: the front door, language choice, health."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from .extensions import db

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("zh_CN", "en"):
        session["lang"] = code
    # only ever back to a page of this site
    target = request.args.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        ref = urlsplit(request.referrer or "")
        target = (ref.path or url_for("web.index")) + (f"?{ref.query}" if ref.query else "")
    return redirect(target)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


def init_app(app) -> None:
    from . import cli, labels
    from .catalog.services import localized_name
    from .money import format_fen

    app.register_blueprint(bp)
    cli.init_app(app)
    labels.init_app(app)

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        locale = get_locale()
        return {"localized_name": localized_name, "format_fen": format_fen,
                # Babel expands zh_CN to zh_Hans_CN: templates compare with the codes we use
                "current_lang": "en" if locale and locale.language == "en" else "zh_CN"}
