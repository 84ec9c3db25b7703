"""The Chinese catalog is complete and safe to use.

Chinese is the default locale, so an English msgid without a zh_CN translation shows
up as English on a Chinese page. The msgids are extracted from the code as it is now
(the same babel.cfg and keywords as `pybabel extract`), and compared with the .po
file (not the compiled .mo, which `make translations` builds).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# named placeholders: %(name)s / %(n)d, and {name} for the JavaScript strings
NAMED = re.compile(r"%\([A-Za-z0-9_]+\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]|\{[A-Za-z0-9_]*\}")
# every %-directive, including positional ones and %%, for python-format strings
PERCENT = re.compile(r"%(?:\([A-Za-z0-9_]+\))?[#0\- +]*\d*(?:\.\d+)?[a-zA-Z%]")


def _msgid(message_id) -> str:
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _source_text(message_id) -> str:
    return " ".join(message_id) if isinstance(message_id, (tuple, list)) else message_id


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], list[str]]:
    """(msgid, context) -> where it is used, extracted from service_center and templates."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = _msgid(message)
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def zh_catalog():
    with open(ZH_PO, "rb") as fh:
        return read_po(fh, locale="zh_CN")


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s and s.strip() for s in strings)


def test_the_extraction_finds_the_code_strings(extracted):
    """Guards the test itself: the extraction really reads Python and templates."""
    places = {p.split(":")[0].split("/")[0] for locs in extracted.values() for p in locs}
    assert {"service_center", "templates"} <= places
    assert len(extracted) > 100


def test_every_msgid_has_a_chinese_translation(extracted, zh_catalog):
    missing = []
    for (msgid, context), places in sorted(extracted.items()):
        message = zh_catalog.get(msgid, context=context)
        if message is None or not _translated(message) or message.fuzzy:
            state = "absent" if message is None else ("fuzzy" if message.fuzzy else "empty")
            missing.append(f"  {msgid!r} ({state}; {places[0]})")
    assert not missing, (
        f"{len(missing)} msgid(s) without a zh_CN translation in {ZH_PO.relative_to(ROOT)} "
        "(run pybabel extract/update and translate them):\n" + "\n".join(missing))


@pytest.mark.parametrize("pattern", [NAMED, PERCENT], ids=["named", "percent"])
def test_translations_keep_the_placeholders(zh_catalog, pattern):
    wrong = []
    for message in zh_catalog:
        if not message.id or not _translated(message):
            continue
        if pattern is PERCENT and not message.python_format:
            continue
        wanted = sorted(set(pattern.findall(_source_text(message.id))))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            got = sorted(set(pattern.findall(string)))
            if got != wanted:
                wrong.append(f"  {_msgid(message.id)!r}: expected {wanted}, got {got} "
                             f"in {string!r}")
    assert not wrong, "zh_CN translations that change placeholders:\n" + "\n".join(wrong)


def test_python_format_translations_format_like_their_msgid(zh_catalog):
    """A stray '%' in a translation would make gettext(...) % values raise at runtime."""
    broken = []
    for message in zh_catalog:
        if not message.id or not message.python_format or not _translated(message):
            continue
        names = set(re.findall(r"%\(([A-Za-z0-9_]+)\)", _source_text(message.id)))
        values = {name: 1 for name in names}
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            try:
                string % values
            except (KeyError, TypeError, ValueError) as exc:
                broken.append(f"  {_msgid(message.id)!r}: {exc!r}")
    assert not broken, "zh_CN translations that cannot be formatted:\n" + "\n".join(broken)


def test_the_chinese_catalog_has_one_plural_form(zh_catalog):
    assert zh_catalog.num_plurals == 1
    for message in zh_catalog:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == 1, _msgid(message.id)


# Pages render in Chinese by default and in English on request. Flask-Babel looks the
# catalog up under the parsed locale's name, zh_Hans_CN (translations/zh_Hans_CN is a
# link to zh_CN): without it every page silently falls back to the English msgids.
@pytest.mark.parametrize(("query", "expected", "unexpected"), [
    ("", ["工作人员登录", "用户名", "密码"], ["Staff sign-in", "Username"]),
    ("?lang=zh_CN", ["工作人员登录"], ["Staff sign-in"]),
    ("?lang=en", ["Staff sign-in", "Username"], ["工作人员登录"]),
])
def test_the_login_page_speaks_the_chosen_language(sqlite_app, query, expected, unexpected):
    for po in ZH_PO.parent.parent.parent.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo.relative_to(ROOT)} is missing or older than its .po: "
                        "run `make translations`")
    html = sqlite_app.test_client().get("/login" + query).get_data(as_text=True)
    for text in expected:
        assert text in html
    for text in unexpected:
        assert text not in html
