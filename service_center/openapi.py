"""The OpenAPI 3.1 description of /api/v1, hand-written in openapi.yaml and served as
JSON at /api/v1/openapi.json (CONTRACT.md "REST API")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, Response, current_app

SPEC_PATH = Path(__file__).with_name("openapi.yaml")

bp = Blueprint("openapi_api", __name__, url_prefix="/api/v1")


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The description as a plain dict (read once at start-up; a broken file stops the app)."""
    with path.open(encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.1"):
        raise RuntimeError(f"{path} is not an OpenAPI 3.1 document")
    return spec


@bp.get("/openapi.json")
def openapi_json():
    body = current_app.extensions["openapi"]["json"]
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    spec = load_spec()
    # key order kept as written, so that the document reads like the YAML
    app.extensions["openapi"] = {"spec": spec, "json": json.dumps(spec, ensure_ascii=False)}
    app.register_blueprint(bp)
