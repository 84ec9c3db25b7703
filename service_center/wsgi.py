"""The WSGI application, `service_center.wsgi:app`, for gunicorn (deploy/gunicorn.conf.py)
and for `python -m service_center.server`. Background loops are not started here but by
the server (service_center.runtime.start_background), once per process."""

from gevent import monkey

from . import create_app

# Socket.IO must use gevent's primitives when the server has patched the standard library
# (gunicorn's gevent worker, service_center.server); otherwise the configured mode stays.
app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"} if monkey.is_module_patched("socket")
                 else None)
