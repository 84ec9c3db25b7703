"""gunicorn settings for one OneWindow instance (README "Production").

    gunicorn -c deploy/gunicorn.conf.py            # serves service_center.wsgi:app on $PORT

One gevent worker per instance, as Flask-SocketIO's deployment guide requires (a Socket.IO
session lives in one process; gunicorn's own balancing is not sticky). Scale out by running
N instances on 127.0.0.1:8001, 8002 … (deploy/systemd/onewindow@.service) behind nginx with
ip_hash (deploy/nginx.conf), all sharing one PostgreSQL and one Redis. The gevent worker
serves websockets through simple-websocket (gunicorn hands it the raw socket); never install
gevent-websocket.
"""

import os
import signal

wsgi_app = os.environ.get("WSGI_APP", "service_center.wsgi:app")
bind = [os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8001')}"]
workers = 1
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
# SIGTERM: stop accepting, close the Socket.IO clients, let requests in flight finish for up
# to this many seconds, then exit 0 (systemd's TimeoutStopSec is longer).
graceful_timeout = int(float(os.environ.get("GRACEFUL_TIMEOUT", "20")))
timeout = 60
keepalive = 5
proc_name = f"onewindow:{os.environ.get('PORT', '8001')}"
# gunicorn ≥ 24's control socket has one default path per user: N instances would fight over
# it, and systemd already controls them (older gunicorns ignore this setting)
control_socket_disable = True

# Logs: everything on standard error (journald), one JSON object per line when
# LOG_FORMAT=json. The app writes one access line per request itself (request id, user id,
# duration: service_center/logs.py); GUNICORN_ACCESS_LOG=1 adds gunicorn's own, in the same
# format, which also covers the Socket.IO transport requests.
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_FORMAT = os.environ.get("LOG_FORMAT", "json"
                         if os.environ.get("SERVICE_CENTER_ENV") == "production" else "text")
access_log_format = '%(h)s "%(r)s" %(s)s %(D)sus'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": []},  # create_app installs the app's handler
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"],
                           "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO" if os.environ.get("GUNICORN_ACCESS_LOG") else
                            "WARNING", "handlers": ["stderr"], "propagate": False,
                            "qualname": "gunicorn.access"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "onewindow",
                   "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "onewindow": {"()": "service_center.logs.formatter", "kind": _FORMAT},
    },
}


def post_worker_init(worker):
    """In the worker, once the app is loaded: the background loops, and at SIGTERM the
    Socket.IO clients are closed so that the worker's graceful wait is not spent on them."""
    import gevent

    from service_center.runtime import close_socket_clients, start_background

    start_background(worker.wsgi)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        if callable(previous):
            previous(signum, frame)  # gunicorn's: stop the accept loop
        # the worker closes its listener within a second; then no reconnect lands here
        gevent.spawn_later(1.1, close_socket_clients)

    signal.signal(signal.SIGTERM, on_term)
