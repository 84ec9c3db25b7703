"""Pages that belong to no single domain: the front door, language choice, health."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
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
    """The database, and Redis when the message queue or the rate limits use it: 200 when
    all answer, 503 naming the one that does not (nginx, systemd, monitoring)."""
    checks = {"database": _check_database()}
    redis_urls = _redis_urls()
    if redis_urls:
        checks["redis"] = "ok" if all(_check_redis(url) for url in redis_urls) else "down"
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        current_app.logger.warning("health check: the database does not answer", exc_info=True)
        db.session.rollback()
        return "down"


def _redis_urls() -> list[str]:
    urls = []
    for key in ("SOCKETIO_MESSAGE_QUEUE", "RATELIMIT_STORAGE_URI"):
        url = current_app.config.get(key) or ""
        if url.startswith(("redis://", "rediss://", "unix://")) and url not in urls:
            urls.append(url)
    return urls


def _check_redis(url: str) -> bool:
    import redis

    clients = current_app.extensions.setdefault("health_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis.Redis.from_url(url, socket_timeout=2,
                                                     socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except Exception:
        current_app.logger.warning("health check: Redis does not answer", exc_info=True)
        return False


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
