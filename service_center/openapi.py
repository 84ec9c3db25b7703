"""The OpenAPI 3.1 description of /api/v1, hand-written in openapi.yaml and served as
JSON at /api/v1/openapi.json (CONTRACT.md "REST API")."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, Response, current_app

SPEC_PATH = Path(__file__).with_name("openapi.yaml")

bp = Blueprint("openapi_api", __name__, url_prefix="/api/v1")


# Parsing the YAML is the slowest step of create_app (pure-Python PyYAML): parse once per
# process and file version, with libyaml's loader where PyYAML was built with it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_parsed: dict[tuple[str, float], dict[str, Any]] = {}


_METHODS = ("get", "post", "put", "patch", "delete")


def _add_common_responses(spec: dict[str, Any]) -> None:
    """Answers every operation can give, written once here rather than on each of them:
    400 for a NUL character anywhere in the URL, query or form (errors.refuse_nul_bytes
    refuses those before any route runs)."""
    for item in (spec.get("paths") or {}).values():
        for method in _METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict) and isinstance(operation.get("responses"), dict):
                operation["responses"].setdefault(
                    "400", {"$ref": "#/components/responses/BadRequest"})


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The description as a plain dict (read once at start-up; a broken file stops the app)."""
    key = (str(path), path.stat().st_mtime)
    if key not in _parsed:
        with path.open(encoding="utf-8") as handle:
            # bandit exception: the loader is a safe one (CSafeLoader or SafeLoader)
            spec = yaml.load(handle, Loader=_LOADER)  # nosec B506
        if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.1"):
            raise RuntimeError(f"{path} is not an OpenAPI 3.1 document")
        _add_common_responses(spec)
        _parsed[key] = spec
    return copy.deepcopy(_parsed[key])


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
