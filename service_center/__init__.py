"""OneWindow: the software that runs a government service center."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, has_request_context, request, session

import config as config_module

ROOT = Path(__file__).resolve().parent.parent
_ENV_KEYS = ("SECRET_KEY", "SOCKETIO_MESSAGE_QUEUE", "SOCKETIO_ASYNC_MODE",
             "SERVICE_CENTER_TIMEZONE", "RATELIMIT_STORAGE_URI")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(config: str | dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    overrides = config if isinstance(config, dict) else {}
    env = overrides.get("SERVICE_CENTER_ENV") or (config if isinstance(config, str) else None)
    app.config.from_object(config_module.config_for(env))
    for key in _ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(overrides)
    _check_production(app)
    from .logs import configure_logging

    configure_logging(app)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = \
            "sqlite:///" + os.path.join(app.instance_path, "onewindow.db")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 20, "check_same_thread": False},
        }
    elif uri.startswith("postgres"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": 10, "max_overflow": 20, "pool_pre_ping": True,
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }

    app.json.ensure_ascii = False
    _init_extensions(app)

    from . import errors

    errors.register_error_handlers(app)

    from . import (
        appointments,
        approvals,
        auth,
        catalog,
        documents,
        door_service,
        fees,
        guide,
        idempotency,
        inspections,
        live,
        notifications,
        openapi,
        queueing,
        reports,
        web,
    )

    for domain in (auth, catalog, queueing, approvals, live, web, openapi, appointments,
                   notifications, guide, fees, documents, reports, idempotency,
                   inspections, door_service):
        domain.init_app(app)

    _install_request_hooks(app)
    if int(app.config.get("PROXY_FIX_HOPS") or 0) > 0:
        # behind nginx: trust exactly that many X-Forwarded-For/-Proto hops, so the rate
        # limits and the logs see the client's address (README "Production")
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _check_production(app: Flask) -> None:
    if app.config["SERVICE_CENTER_ENV"] != "production":
        return
    if app.config.get("SECRET_KEY") in (None, "", config_module.DEFAULT_SECRET) or \
            len(app.config["SECRET_KEY"]) < 16:
        raise RuntimeError("production refuses to start with a default or short SECRET_KEY; "
                           "set SECRET_KEY to a long random value")
    if app.config.get("DEBUG") or os.environ.get("FLASK_DEBUG") in ("1", "true"):
        raise RuntimeError("production refuses to start with debug on")


def _init_extensions(app: Flask) -> None:
    from . import events
    from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"],
                      message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
                      cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS", []) or None,
                      ping_interval=20, ping_timeout=20)
    events.install(db.session)
    # every model module must be imported before the metadata is used
    from . import models  # noqa: F401


def _select_locale():
    if not has_request_context():  # the command line: messages in the default locale
        return None
    wanted = request.args.get("lang") or session.get("lang")
    if wanted in ("zh_CN", "en"):
        return wanted
    return "zh_CN"


def _install_request_hooks(app: Flask) -> None:
    from .db import reset_read_only, set_read_only
    from .extensions import csrf

    @app.before_request
    def _begin_request():
        g._read_only_token = set_read_only(request.method in _SAFE_METHODS)
        lang = request.args.get("lang")
        if lang in ("zh_CN", "en"):
            session["lang"] = lang
        # The JSON API is exempt from the form CSRF check for bearer-token clients;
        # a browser calling it with its session cookie must send the CSRF header.
        if request.path.startswith("/api/") and request.method not in _SAFE_METHODS:
            if "Authorization" not in request.headers and session.get("_user_id"):
                csrf.protect()

    @app.teardown_request
    def _end_request(exc):
        token = g.pop("_read_only_token", None)
        if token is not None:
            try:
                reset_read_only(token)
            except ValueError:
                pass

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/display"):
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; media-src 'self' data: blob:; "
            "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'" + ("" if request.path.startswith("/display")
                                    else "; frame-ancestors 'self'"))
        return response

    for bp_name in ("queue_api", "auth_api", "catalog_api", "live_api", "approvals_api",
                    "appointments_api", "fees_api", "documents_api", "reports_api",
                    "inspections_api"):
        if bp_name in app.blueprints:
            csrf.exempt(app.blueprints[bp_name])
