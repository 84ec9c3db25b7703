"""The live layer's HTTP side: pages, the notice, announcement audio, the ticket slip."""

from __future__ import annotations

import io
import shutil

import pytest

from service_center.live import voice


def take(client, category="A") -> dict:
    res = client.post("/api/v1/tickets", json={"category": category})
    assert res.status_code == 201
    return res.get_json()


@pytest.mark.parametrize("url, status", [
    ("/display", 200),
    ("/display?hall=XD&categories=A,D&windows=1,2&speaker=1&repeat=3&voice_en=1", 200),
    ("/display?repeat=abc&categories=,,%3C&windows=x", 200),
    ("/display?hall=NOPE", 404),
    ("/display/window/1", 200),
    ("/display/window/2?hall=XD", 200),
    ("/display/window/99", 404),
    ("/t/not-a-token", 404),
])
def test_pages(seeded, client, url, status):
    res = client.get(url)
    assert res.status_code == status
    if status == 200:
        html = res.get_data(as_text=True)
        assert "socket.io.min.js" in html and "<script>" not in html  # no inline script


def test_display_config_carries_the_url_choices(seeded, client):
    import json
    import re

    html = client.get("/display?hall=XD&categories=a,D&windows=2&speaker=1&repeat=9").get_data(
        as_text=True)
    raw = re.search(r'id="display-config">(.*?)</script>', html, re.S).group(1)
    config = json.loads(raw)
    assert config["hall"] == "XD" and config["speaker"] is True and config["repeat"] == 5
    assert config["filter"] == {"categories": ["A", "D"], "windows": [2]}
    assert config["templates"]["zh"] == "请 {number} 号到 {window} 号窗口办理"


def test_ticket_page_shows_the_ticket_without_a_dead_rating_link(seeded, client):
    ticket = take(client)
    html = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert ticket["number"] in html
    assert 'href="#"' not in html


@pytest.mark.parametrize("user, hall, status", [
    ("manager", None, 200), ("admin", "XD", 200), ("xd-manager", "XD", 200),
    ("xd-manager", None, 403), ("clerk1", None, 403), (None, None, 401),
])
def test_notice_permissions(seeded, client, auth, user, hall, status):
    headers = auth.headers(user) if user else {}
    body = {"text": "  系统维护\n  明日开放  ", **({"hall": hall} if hall else {})}
    res = client.post("/api/v1/display/notice", json=body, headers=headers)
    assert res.status_code == status, res.get_json()
    shown = client.get("/api/v1/display/notice" + (f"?hall={hall}" if hall else "")).get_json()
    assert shown["text"] == ("系统维护 明日开放" if status == 200 else "")


@pytest.mark.parametrize("body, status", [
    ({"text": "x" * 501}, 422), ({"text": 5}, 422), ({}, 422), ({"text": "ok", "hall": "NO"}, 404),
    ({"text": ""}, 200),
])
def test_notice_validation(seeded, client, auth, body, status):
    res = client.post("/api/v1/display/notice", json=body, headers=auth.headers("manager"))
    assert res.status_code == status
    if status >= 400:
        assert set(res.get_json()["error"]) >= {"code", "message"}


def test_notice_change_is_audited(seeded, client, auth):
    from sqlalchemy import select

    from service_center.audit import AuditEvent
    from service_center.extensions import db

    client.post("/api/v1/display/notice", json={"text": "new"}, headers=auth.headers("manager"))
    with seeded.app_context():
        rows = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "notice_set")).scalars().all()
        assert len(rows) == 1


@pytest.mark.parametrize("query, status", [
    ("number=A001&window=1", 200),
    ("number=a012&window=3&lang=en", 200),
    ("number=A001&window=1&hall=XD", 200),
    ("number=B001&window=1&hall=XD", 422),     # XD has no category B
    ("number=A001&window=9", 422),             # no such window
    ("number=请到财务室&window=1", 422),        # free text is refused
    ("number=A001&window=1&lang=fr", 422),
    ("number=A001", 422),
    ("text=hello", 422),
])
def test_voice_only_speaks_the_template(seeded, client, query, status):
    if shutil.which("espeak-ng") is None and status == 200:
        pytest.skip("espeak-ng is not installed")
    res = client.get(f"/api/v1/voice.wav?{query}")
    assert res.status_code == status, res.get_json()
    if status == 200:
        assert res.mimetype == "audio/wav" and res.data[:4] == b"RIFF"


def test_voice_is_cached_by_text(sqlite_app, monkeypatch):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    calls = []
    real_run = voice.subprocess.run

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(voice.subprocess, "run", counting)
    with sqlite_app.app_context():
        monkeypatch.setattr(voice, "cache_dir", lambda: _tmp_dir(sqlite_app))
        first = voice.synthesize("A012", 3)
        second = voice.synthesize("A012", 3)
        other = voice.synthesize("A013", 3)
    assert first == second != other
    assert len(calls) == 2


def _tmp_dir(app):
    from pathlib import Path

    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent / "voice"
    path.mkdir(exist_ok=True)
    return path


def test_voice_without_engine_answers_503(seeded, client, monkeypatch, tmp_path):
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)
    monkeypatch.setattr(voice, "cache_dir", lambda: tmp_path)
    res = client.get("/api/v1/voice.wav?number=A777&window=1")
    assert res.status_code == 503
    assert res.get_json()["error"]["code"] == "voice_unavailable"


def test_slip_pdf(seeded, client):
    from pypdf import PdfReader

    take(client)
    ticket = take(client)
    res = client.get(f"/api/v1/tickets/{ticket['id']}/slip.pdf?token={ticket['token']}")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(res.data)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 80  # 80 mm paper
    text = page.extract_text()
    assert "A002" in text and "1" in text


@pytest.mark.parametrize("who, token, status", [
    (None, "right", 200), (None, "wrong", 404), (None, None, 401),
    ("clerk1", None, 200), ("xd-clerk1", None, 403), ("manager", None, 200),
])
def test_slip_access(seeded, client, auth, who, token, status):
    ticket = take(client)
    query = {"right": f"?token={ticket['token']}", "wrong": "?token=nope", None: ""}[token]
    headers = auth.headers(who) if who else {}
    res = client.get(f"/api/v1/tickets/{ticket['id']}/slip.pdf{query}", headers=headers)
    assert res.status_code == status
    assert client.get("/api/v1/tickets/999999/slip.pdf?token=x").status_code == 404
