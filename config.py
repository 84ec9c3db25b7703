"""Configuration classes. Every value can be overridden by an environment variable
of the same name (CONTRACT.md "Configuration")."""

from __future__ import annotations

import os

DEFAULT_SECRET = "dev-secret-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SERVICE_CENTER_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    # None means "a SQLite file in the instance folder", resolved in create_app.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    # threading for development and tests; `flask serve` switches to gevent.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    SERVICE_CENTER_TIMEZONE = os.environ.get("SERVICE_CENTER_TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    TRACK_RATE_LIMIT = os.environ.get("TRACK_RATE_LIMIT", "10 per minute")  # per address
    # failed look-ups of one tracking number from all addresses together
    TRACK_NUMBER_RATE_LIMIT = os.environ.get("TRACK_NUMBER_RATE_LIMIT", "30 per hour")
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "12"))
    # Minutes a service takes when a category has no recent history yet.
    DEFAULT_SERVICE_MINUTES = int(os.environ.get("DEFAULT_SERVICE_MINUTES", "5"))
    # --- sign-in security (README "Security")
    LOGIN_LOCKOUT_THRESHOLD = int(os.environ.get("LOGIN_LOCKOUT_THRESHOLD", "5"))
    LOGIN_LOCKOUT_MINUTES = float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "1"))
    LOGIN_LOCKOUT_MAX_MINUTES = float(os.environ.get("LOGIN_LOCKOUT_MAX_MINUTES", "60"))
    LOGIN_MAX_FAILURES_PER_HOUR = int(os.environ.get("LOGIN_MAX_FAILURES_PER_HOUR", "100"))
    LOGIN_MAX_FAILURES_PER_ADDRESS_HOUR = int(
        os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS_HOUR", "200"))
    REQUIRE_2FA_ROLES = os.environ.get("REQUIRE_2FA_ROLES", "")  # e.g. "admin,manager"
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "OneWindow")
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", "12"))
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "0"))  # 0 = no rotation
    # Origins allowed to open a Socket.IO connection; empty = the page's own origin only.
    SOCKETIO_CORS_ORIGINS = [o.strip() for o in
                             os.environ.get("SOCKETIO_CORS_ORIGINS", "").split(",") if o.strip()]
    # --- production path (README "Production")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # "json": one JSON object per line
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (nginx: 1); 0 = none,
    # so a client cannot forge its address past the rate limits.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    # Keys of the rate limits in a shared Redis (RATELIMIT_STORAGE_URI) start with this.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "onewindow")
    # Seconds a stopping server (SIGTERM) gives requests in flight before it closes them.
    GRACEFUL_TIMEOUT = float(os.environ.get("GRACEFUL_TIMEOUT", "20"))
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    SERVICE_CENTER_ENV = "development"


class TestingConfig(Config):
    SERVICE_CENTER_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    RATELIMIT_STORAGE_URI = "memory://"
    # Many tests travel days in time with one signed-in browser; tests/security turns the
    # session lifetimes back on (their defaults are those of Config).
    SESSION_IDLE_MINUTES = 0
    SESSION_MAX_HOURS = 0


class ProductionConfig(Config):
    SERVICE_CENTER_ENV = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(env: str | None) -> type[Config]:
    env = (env or os.environ.get("SERVICE_CENTER_ENV") or "development").strip().lower()
    if env not in CONFIGS:
        raise RuntimeError(f"SERVICE_CENTER_ENV must be one of {sorted(CONFIGS)}, not {env!r}")
    return CONFIGS[env]
