"""Administrators edit guides: each save is recorded (who, what, when) in the guide's
history and the audit trail, and published at once with today's date."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.catalog.models import ServiceItem
from service_center.catalog.services import service_day
from service_center.extensions import db
from service_center.guide.models import Guide, GuideChange, GuideFile
from tests.conftest import extract_csrf

URL = "/admin/guide/JS-002"


def item_id(app, code="JS-002") -> int:
    with app.app_context():
        return db.session.execute(select(ServiceItem.id).where(ServiceItem.code == code)).scalar()


def form_for(html: str, **overrides) -> dict:
    data = {"csrf_token": extract_csrf(html), "conditions": "已取得规划许可。",
            "topics": ["construction"]}
    for i in range(4):
        data[f"material-{i}-form"] = "copy"
        data[f"material-{i}-copies"] = "2"
        data[f"material-{i}-note"] = ""
    data.update(overrides)
    return data


@pytest.mark.parametrize(("user", "status"), [
    (None, 401), ("clerk1", 403), ("approver-zjj", 403), ("admin", 200),
])
def test_only_administrators_edit(gclient, guide_app, auth, user, status):
    if user:
        auth.login(user)
    res = gclient.get(URL)
    assert res.status_code == (302 if status == 401 else status)
    token = extract_csrf(gclient.get("/guide").get_data(as_text=True))
    res = gclient.post(URL, data={"csrf_token": token, "conditions": "改"})
    assert res.status_code == {401: 302, 403: 403, 200: 302}[status]
    res = gclient.post(f"{URL}/files", data={"csrf_token": token, "kind": "example",
                                             "title": "t"})
    assert res.status_code == {401: 302, 403: 403, 200: 422}[status]
    with guide_app.app_context():
        actions = [c.action for c in db.session.execute(select(GuideChange)).scalars()]
    assert actions == (["updated"] if user == "admin" else [])


def test_save_records_the_change_and_updates_the_date(gclient, guide_app, auth):
    iid = item_id(guide_app)
    with guide_app.app_context():
        guide = db.session.execute(select(Guide).where(Guide.service_item_id == iid)).scalar_one()
        guide.published_at = datetime(2024, 1, 2, tzinfo=UTC)
        db.session.get(ServiceItem, iid).updated_at = datetime(2023, 5, 6, tzinfo=UTC)
        db.session.commit()
        db.session.remove()
    assert "2024-01-02" in gclient.get("/guide/JS-002").get_data(as_text=True)

    auth.login("admin")
    html = gclient.get(URL).get_data(as_text=True)
    assert 'id="no-history"' in html
    data = form_for(html, conditions="条件一\n条件二 <i>新</i>",
                    topics=["construction", "start-business"],
                    **{"material-0-form": "original", "material-0-copies": "3",
                       "material-0-note": "须加盖公章"})
    res = gclient.post(URL, data=data)
    assert res.status_code == 302, res.get_data(as_text=True)[:500]

    with guide_app.app_context():
        today = service_day()
        changes = list(db.session.execute(
            select(GuideChange).where(GuideChange.service_item_id == iid)).scalars())
        assert len(changes) == 1
        change = changes[0]
        assert change.actor_name == "admin" and change.action == "updated"
        assert set(change.changes) == {"conditions", "topics", "materials"}
        assert change.changes["topics"]["to"] == ["construction", "start-business"]
        assert change.changes["materials"]["施工许可申请表"]["to"] == ["original", 3, "须加盖公章"]
        guide = db.session.execute(select(Guide).where(Guide.service_item_id == iid)).scalar_one()
        assert guide.published_at.astimezone(UTC).date() >= today.replace(day=1)
        audit = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "guide_updated", AuditEvent.entity_id == "JS-002")).scalar_one()
        assert audit.actor_name == "admin"
        assert audit.details == {"fields": ["conditions", "materials", "topics"]}

    public = gclient.get("/guide/JS-002").get_data(as_text=True)
    assert f'datetime="{today.isoformat()}"' in public
    assert "条件二 &lt;i&gt;新&lt;/i&gt;" in public and "须加盖公章" in public
    assert "开办企业" in public
    edit = gclient.get(URL).get_data(as_text=True)
    assert re.search(r'<tr data-action="updated">.*?admin', edit, re.S)
    assert f'id="last-changed" datetime="{today.isoformat()}"' in edit
    # the topic filter finds the item under its new topic at once
    found = gclient.get("/guide?topic=start-business").get_data(as_text=True)
    assert 'data-code="JS-002"' in found

    # saving the same again changes nothing and records nothing
    res = gclient.post(URL, data={**data, "csrf_token": extract_csrf(edit)})
    assert res.status_code == 302
    with guide_app.app_context():
        assert db.session.execute(select(GuideChange).where(
            GuideChange.service_item_id == iid)).scalars().all().__len__() == 1


INVALID_EDITS = [
    ({"material-1-copies": "abc"}, "material-1-copies"),
    ({"material-1-copies": "-1"}, "material-1-copies"),
    ({"material-2-copies": "100"}, "material-2-copies"),
    ({"material-0-form": "photocopy"}, "material-0-form"),
    ({"topics": ["no-such-topic"]}, "topics"),
    ({"conditions": "长" * 5001}, "conditions"),
    ({"material-3-note": "注" * 501}, "material-3-note"),
]


def test_invalid_edit_is_refused_whole(gclient, guide_app, auth):
    auth.login("admin")
    for overrides, field in INVALID_EDITS:
        html = gclient.get(URL).get_data(as_text=True)
        res = gclient.post(URL, data=form_for(html, **overrides))
        assert res.status_code == 422, overrides
        body = res.get_data(as_text=True)
        assert f'id="{field}-error"' in body and 'id="form-error"' in body, overrides
    with guide_app.app_context():
        assert db.session.execute(select(GuideChange)).first() is None


def upload(client, html, *, name="申请表.pdf", content=b"%PDF-1.4 blank form", kind="blank_form",
           title="施工许可申请表（空白）"):
    return client.post(f"{URL}/files", data={
        "csrf_token": extract_csrf(html), "kind": kind, "title": title,
        "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_upload_publishes_a_download_and_removal(gclient, guide_app, auth):
    public = gclient.get("/guide/JS-002").get_data(as_text=True)
    assert 'id="guide-files"' not in public
    auth.login("admin")
    html = gclient.get(URL).get_data(as_text=True)
    res = upload(gclient, html, name="../../etc/申请表.pdf")
    assert res.status_code == 302
    with guide_app.app_context():
        row = db.session.execute(select(GuideFile)).scalar_one()
        folder = guide_app.config["GUIDE_UPLOAD_FOLDER"]
        assert re.fullmatch(r"\d+-[0-9a-f]{24}\.pdf", row.stored_name)
        assert os.listdir(folder) == [row.stored_name]
        assert row.original_name == "申请表.pdf"
        file_id = row.id
        actions = [c.action for c in db.session.execute(select(GuideChange)).scalars()]
        assert actions == ["file_added"]
    public = gclient.get("/guide/JS-002").get_data(as_text=True)
    assert 'data-file-kind="blank_form"' in public
    download = gclient.get(f"/guide/JS-002/files/{file_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 blank form"
    assert "attachment" in download.headers["Content-Disposition"]
    # a file of another item is not served under this one
    assert gclient.get(f"/guide/JS-001/files/{file_id}").status_code == 404

    html = gclient.get(URL).get_data(as_text=True)
    res = gclient.post(f"{URL}/files/{file_id}/delete", data={"csrf_token": extract_csrf(html)})
    assert res.status_code == 302
    assert 'id="guide-files"' not in gclient.get("/guide/JS-002").get_data(as_text=True)
    assert gclient.get(f"/guide/JS-002/files/{file_id}").status_code == 404
    with guide_app.app_context():
        assert os.listdir(guide_app.config["GUIDE_UPLOAD_FOLDER"]) == []
        actions = sorted(c.action for c in db.session.execute(select(GuideChange)).scalars())
        assert actions == ["file_added", "file_removed"]


BAD_UPLOADS = [
    ({"name": "virus.exe"}, "file"),
    ({"name": "noextension"}, "file"),
    ({"content": b""}, "file"),
    ({"content": b"x" * 2048}, "file"),  # over the (lowered) limit
    ({"kind": "poster"}, "kind"),
    ({"title": ""}, "title"),
]


def test_bad_uploads_are_refused(gclient, guide_app, auth):
    guide_app.config["GUIDE_MAX_UPLOAD_BYTES"] = 1024
    auth.login("admin")
    for kwargs, field in BAD_UPLOADS:
        html = gclient.get(URL).get_data(as_text=True)
        res = upload(gclient, html, **kwargs)
        assert res.status_code == 422, kwargs
        assert f'id="{field}-error"' in res.get_data(as_text=True), kwargs
    with guide_app.app_context():
        assert db.session.execute(select(GuideFile)).first() is None
        assert db.session.execute(select(GuideChange)).first() is None
    folder = guide_app.config["GUIDE_UPLOAD_FOLDER"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []
