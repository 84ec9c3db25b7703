"""S7: bandit on the package (medium severity and up) is clean, every exception is a
`# nosec` with its reason on the line above; pip-audit finds no known vulnerability in the
installed dependencies (or, where only PyPI's project pages are reachable, none of the
advisories PyPI lists for the latest releases applies to what is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def test_bandit_is_clean():
    res = subprocess.run([_tool("bandit"), "-q", "-r", "service_center", "-ll"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


def test_every_nosec_has_a_reason():
    for path in (ROOT / "service_center").rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if re.search(r"#\s*nosec\b", line):
                above = lines[number - 1] if number else ""
                assert "bandit exception" in above, f"{path}:{number + 1} needs a reason"


# Installed packages that are not their project's latest release, with the reason. PyPI's
# project JSON lists the advisories of the latest release only, so these are the packages
# the fallback below cannot check; keep the list short and the reasons current.
HELD_BACK = {
    "deprecated": "3.x needs Python 3.12; 1.3.1 is the newest for 3.11, no advisory known",
    "onewindow": "this project itself, not on PyPI",
    "jsonschema_rs": "schemathesis 4.32.5 (its newest, test-only) pins jsonschema-rs<0.61; "
                     "0.60.3 has no advisory known",
}


def _pypi_project(name: str) -> dict | None:
    import urllib.request

    try:
        # bandit exception: not application code; a fixed https URL of PyPI's JSON API
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json",  # noqa: S310
                                    timeout=20) as response:  # nosec B310
            return json.load(response)
    except OSError:
        return None


def _advisories_of_latest_releases() -> tuple[dict[str, list[str]], list[str], int]:
    """(vulnerable packages → advisory ids, packages behind their latest release, checked
    count) from PyPI's project JSON, whose `vulnerabilities` are the latest release's."""
    from concurrent.futures import ThreadPoolExecutor
    from importlib import metadata

    installed = {d.metadata["Name"].lower(): d.version for d in metadata.distributions()}
    with ThreadPoolExecutor(16) as pool:
        projects = dict(zip(installed, pool.map(_pypi_project, installed), strict=True))
    if sum(p is not None for p in projects.values()) < len(installed) // 2:
        pytest.skip("PyPI's JSON API is not reachable")
    vulnerable, behind, checked = {}, [], 0
    for name, version in installed.items():
        project = projects[name]
        if project is None or project["info"]["version"] != version:
            behind.append(name)
            continue
        checked += 1
        ids = [v["id"] for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]
        if ids:
            vulnerable[name] = ids
    return vulnerable, behind, checked


@pytest.mark.slow
def test_pip_audit_finds_no_known_vulnerability():
    """pip-audit with PyPI's per-release advisories; where this network serves only the
    project pages (per-release JSON answers 404), every installed package that is its
    project's latest release is checked against the advisories PyPI lists for it, and the
    rest must be documented in HELD_BACK."""
    try:
        res = subprocess.run([_tool("pip-audit"), "--progress-spinner", "off", "-f", "json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=540)
        report = json.loads(res.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        report = {}
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if audited:
        vulnerable = {d["name"]: [v["id"] for v in d.get("vulns", [])]
                      for d in audited if d.get("vulns")}
        assert vulnerable == {}
        return
    vulnerable, behind, checked = _advisories_of_latest_releases()
    assert vulnerable == {}
    assert checked > 50
    assert sorted(set(behind) - set(HELD_BACK)) == [], "update them or document why not"
