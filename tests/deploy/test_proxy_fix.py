"""PROXY_FIX_HOPS: behind nginx the app trusts exactly that many X-Forwarded-For/-Proto
hops, so the tracking rate limit counts per client; without it a forged header is ignored."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import _dispose, make_app


@pytest.fixture
def make(tmp_path, sqlite_templates):
    apps = []

    def build(**extra):
        target = tmp_path / f"test{len(apps)}.db"
        shutil.copyfile(sqlite_templates["schema"], target)
        application = make_app(f"sqlite:///{target}", TRACK_RATE_LIMIT="2 per minute", **extra)
        apps.append(application)
        return application.test_client()

    yield build
    for application in apps:
        _dispose(application)


def _track(client, forwarded_for: str):
    return client.get("/api/v1/track/NOSUCHCASE?code=000000",
                      headers={"X-Forwarded-For": forwarded_for,
                               "X-Forwarded-Proto": "https"}).status_code


def test_one_trusted_hop_limits_each_client_separately(make):
    client = make(PROXY_FIX_HOPS=1)
    assert [_track(client, "203.0.113.7") for _ in range(3)] == [404, 404, 429]
    # another client behind the same nginx still has its own budget
    assert _track(client, "203.0.113.8") == 404
    # only the hop nginx appended counts: a client cannot pose as another by prepending
    assert _track(client, "203.0.113.8, 203.0.113.7") == 429


def test_without_proxy_fix_forwarded_headers_are_ignored(make):
    client = make()
    # every request comes from the test client's own address, whatever the header claims
    assert [_track(client, f"203.0.113.{n}") for n in range(3)] == [404, 404, 429]


@pytest.mark.parametrize("hops, expected", [(1, ["https", "203.0.113.9"]),
                                             (0, ["http", "127.0.0.1"])])
def test_scheme_and_address_the_app_sees(make, hops, expected):
    client = make(PROXY_FIX_HOPS=hops)
    from flask import request

    client.application.add_url_rule("/_seen", "seen",
                                     lambda: [request.scheme, request.remote_addr])
    res = client.get("/_seen", headers={"X-Forwarded-Proto": "https",
                                        "X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    assert res.get_json() == expected
