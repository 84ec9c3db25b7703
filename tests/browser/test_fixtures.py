"""Without Debian's chromium the browser tests skip with the reason, except in CI."""

from __future__ import annotations

import pytest

from .conftest import _unavailable


@pytest.mark.parametrize(("ci", "outcome"), [
    (None, pytest.skip.Exception),
    ("1", pytest.fail.Exception),
    ("true", pytest.fail.Exception),
])
def test_missing_chromium_skips_or_fails(monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium is missing"):
        _unavailable("/usr/bin/chromium is missing: run `make test`")
