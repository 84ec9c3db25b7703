"""The unified social credit code (GB 32100-2015) and its organisation code part
(GB 11714): valid codes pass, every single-character change is refused."""

from __future__ import annotations

import pytest

from service_center.inspections.services import (
    CREDIT_CHARSET,
    credit_code_error,
    normalize_credit_code,
)

from .conftest import make_code

VALID = ["91350100M000100Y43", "91110000600037341L", "9111000071093123XX"]


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("code", VALID + [make_code(n) for n in (1, 42, 12345678)])
def test_valid_codes(ctx, code):
    assert credit_code_error(code) is None
    assert normalize_credit_code(f"  {code.lower()} ") == (code, None)


def test_the_issue_example_with_a_wrong_check_character_is_refused(ctx):
    # 9111000071093123X0 is quoted as an example, but its first 17 characters give the
    # check character X (python-stdnum's cn.uscc agrees): it is a corrupted code
    assert credit_code_error("9111000071093123X0") is not None
    assert credit_code_error("9111000071093123XX") is None


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_change_is_refused(ctx, code):
    alphabet = CREDIT_CHARSET + "IOZSVa-"
    tried = 0
    for position, original in enumerate(code):
        for replacement in alphabet:
            if replacement == original:
                continue
            corrupted = code[:position] + replacement + code[position + 1:]
            assert credit_code_error(corrupted) is not None, corrupted
            tried += 1
    assert tried == 18 * (len(alphabet) - 1)


@pytest.mark.parametrize("raw,fragment", [
    ("", "required"), ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y433", "18 characters"), ("91350100M00O100Y43", "I, O, Z, S"),
    ("91350100M000100Y44", "check character"), ("91350100M000101Y43", "organisation code"),
    ("９１350100M000100Y43", "I, O, Z, S"),
])
def test_messages_say_what_is_wrong(ctx, raw, fragment):
    code, error = normalize_credit_code(raw)
    assert code is None and fragment in error


def test_swapped_neighbours_in_the_first_eight_are_refused(ctx):
    code = VALID[0]
    pairs = refused = 0
    for i in range(7):
        if code[i] != code[i + 1]:
            pairs += 1
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            refused += credit_code_error(swapped) is not None
    assert pairs >= 3 and refused == pairs
