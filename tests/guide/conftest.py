"""The demo catalog plus the demo guide content (topics, conditions, material details);
uploads go to the test's own folder."""

from __future__ import annotations

import pytest

from service_center.extensions import db
from service_center.guide.services import seed_demo_guides


@pytest.fixture
def guide_app(seeded, tmp_path):
    seeded.config["GUIDE_UPLOAD_FOLDER"] = str(tmp_path / "guide_files")
    with seeded.app_context():
        seed_demo_guides()
        db.session.commit()
        db.session.remove()
    return seeded


@pytest.fixture
def gclient(guide_app, client):
    # the same client as the `auth` fixture's, so auth.login() applies to it
    return client
