"""S4: every page the app serves without parameters carries the security headers and no
inline executable script; the Socket.IO handshake refuses a foreign Origin."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ..conftest import make_app
from .conftest import login_page

ROLES = [None, "admin", "manager", "clerk1", "approver-ghj", "agent", "cashier"]


class ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline: list[str] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = dict(attrs)
        for name, _value in attrs:
            if name.lower().startswith("on"):  # onclick= and friends are inline script too
                self.inline.append(f"<{tag} {name}=…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None

    def handle_data(self, data):
        attrs = self._current
        if attrs is None or not data.strip():
            return
        if "src" not in attrs and attrs.get("type") != "application/json":
            self.inline.append(data.strip()[:80])


def get_routes(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and rule.endpoint != "static"})


def page_problems(path: str, res) -> list[str]:
    problems = []
    headers = res.headers
    if res.status_code >= 500:
        problems.append(f"status {res.status_code}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    csp = headers.get("Content-Security-Policy", "")
    script_src = csp.split("script-src")[1].split(";")[0] if "script-src" in csp else ""
    if script_src.strip() != "'self'" or "object-src 'none'" not in csp:
        problems.append(f"CSP {csp!r}")
    if path.startswith("/display"):
        if "X-Frame-Options" in headers:
            problems.append("X-Frame-Options on a display page")  # screens may be embedded
    elif headers.get("X-Frame-Options") != "SAMEORIGIN" or "frame-ancestors 'self'" not in csp:
        problems.append("framing allowed")
    if res.mimetype == "text/html":
        finder = ScriptFinder()
        finder.feed(res.get_data(as_text=True))
        if finder.inline:
            problems.append(f"inline script {finder.inline}")
    return problems


def test_headers_and_no_inline_script_on_every_page(seeded):
    routes = get_routes(seeded)
    assert len(routes) > 20 and "/login" in routes and "/display" in routes
    checked, problems = 0, []
    for role in ROLES:
        client = seeded.test_client()
        if role:
            assert login_page(client, role).status_code == 302
        for path in routes:
            try:
                res = client.get(path)
            except Exception as exc:  # noqa: BLE001 - report every page at once
                problems.append((role, path, repr(exc)[:120]))
                continue
            problems += [(role, path, p) for p in page_problems(path, res)]
            checked += 1
    assert problems == [], "\n".join(map(str, problems))
    assert checked == len(routes) * len(ROLES)


def test_account_pages_have_no_inline_script(seeded, client):
    login_page(client, "clerk1")
    for path in ("/account/2fa", "/account/password"):
        res = client.get(path)
        assert res.status_code == 200
        finder = ScriptFinder()
        finder.feed(res.get_data(as_text=True))
        assert finder.inline == []
        assert res.headers["X-Frame-Options"] == "SAMEORIGIN"


def _handshake(client, origin: str | None):
    headers = {"Origin": origin} if origin else {}
    return client.get("/socket.io/?EIO=4&transport=polling", headers=headers)


@pytest.mark.parametrize(("origin", "allowed"), [
    (None, True),                        # not a browser: no Origin header
    ("http://localhost", True),          # the page's own origin
    ("http://evil.example", False),
    ("http://localhost.evil.example", False),
    ("null", False),
])
def test_socketio_handshake_checks_origin(sqlite_app, origin, allowed):
    res = _handshake(sqlite_app.test_client(), origin)
    assert (res.status_code == 200) is allowed, (origin, res.status_code, res.get_data()[:100])


def test_socketio_origins_are_configurable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'o.db'}",
                   SOCKETIO_CORS_ORIGINS=["https://screens.example.gov.cn"])
    client = app.test_client()
    assert _handshake(client, "https://screens.example.gov.cn").status_code == 200
    assert _handshake(client, "http://evil.example").status_code == 400
