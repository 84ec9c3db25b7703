"""The app (service_center.wsgi) plus a route that holds its request until the test lets it
go, for the graceful-shutdown tests: ONEWINDOW_SLOW_DIR/started appears when it begins;
it answers once ONEWINDOW_SLOW_DIR/release exists (or after 60 s)."""

import os
import time
from pathlib import Path

from service_center.wsgi import app


@app.get("/_test/slow")
def slow():
    folder = Path(os.environ["ONEWINDOW_SLOW_DIR"])
    (folder / "started").touch()
    deadline = time.monotonic() + 60
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # cooperative: the server patched the standard library
    return {"finished": True}
