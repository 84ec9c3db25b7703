"""Catalog import: the demo imports, is idempotent, round-trips through export; a bad
file is refused as a whole, naming the path and line at fault, with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from service_center.catalog.importer import CatalogError, export_text, import_text
from service_center.extensions import db
from service_center.models import (
    CalendarOverride,
    Department,
    FeeItem,
    Hall,
    QueueCategory,
    ServiceItem,
    Window,
    WorkflowTask,
)

DEMO = (Path(__file__).resolve().parents[2] / "service_center" / "demo_catalog.yaml").read_text(
    encoding="utf-8")

MINIMAL = """\
center: {name: 测试中心, timezone: Asia/Shanghai}
departments:
  - {code: GHJ, name: 规划局}
  - {code: RFB, name: 人防办}
queue_categories:
  - {prefix: A, name: 综合受理}
windows:
  - {number: 1, name: 一号窗, categories: [A]}
fee_items:
  - {code: RFYD, name: 人防费, department: RFB, basis: per_unit, unit: m2, quantity: area_m2, rate: "25.00"}
service_items:
  - code: JS-001
    name: 规划许可
    lead_department: GHJ
    queue_category: A
    statutory_days: 20
    promised_days: 10
    parameters: [{name: area_m2, label: 面积, type: decimal}]
    fees: [RFYD]
    workflow:
      - name: 审查
        tasks: [{department: GHJ, days: 5}]
calendar:
  holidays: ["2027-01-01"]
"""  # noqa: E501
TABLES = (Department, Hall, QueueCategory, Window, FeeItem, ServiceItem, WorkflowTask,
          CalendarOverride)


def counts() -> dict[str, int]:
    return {m.__tablename__: db.session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in TABLES}


def test_demo_imports_then_changes_nothing(app):
    with app.app_context():
        first = import_text(DEMO)
        assert first["created"] > 30
        before = counts()
        assert before["hall"] == 2 and before["window"] == 9 and before["department"] == 8
        assert import_text(DEMO) == {"created": 0, "updated": 0}
        assert counts() == before


def test_export_round_trips(app):
    with app.app_context():
        import_text(DEMO)
        exported = export_text()
        before = counts()
        assert import_text(exported) == {"created": 0, "updated": 0}
        assert export_text() == exported
        assert counts() == before


def test_export_imports_into_an_empty_database(app, tmp_path):
    with app.app_context():
        import_text(DEMO)
        exported = export_text()
        reference = counts()
        db.session.execute(db.text("DELETE FROM service_item_fee"))
    from tests.conftest import make_app

    other = make_app(f"sqlite:///{tmp_path / 'other.db'}")
    with other.app_context():
        db.create_all()
        import_text(exported)
        assert counts() == reference
        assert export_text() == exported
        db.session.remove()
        db.engine.dispose()


def test_import_updates_in_place(app):
    with app.app_context():
        import_text(MINIMAL)
        changed = import_text(MINIMAL.replace("promised_days: 10", "promised_days: 8"))
        assert changed == {"created": 0, "updated": 1}
        item = db.session.execute(select(ServiceItem)).scalar_one()
        assert item.promised_days == 8


def _bad(replace: str, by: str) -> str:
    assert replace in MINIMAL, replace
    return MINIMAL.replace(replace, by, 1)


# (id, file text, path named, line named, words in the message)
BAD_FILES = [
    ("unknown-lead-department", _bad("lead_department: GHJ", "lead_department: XXX"),
     "service_items[0].lead_department", 14, "unknown department"),
    ("unknown-fee-department", _bad("department: RFB,", "department: NOPE,"),
     "fee_items[0].department", 10, "unknown department"),
    ("promised-over-statutory", _bad("promised_days: 10", "promised_days: 30"),
     "service_items[0].promised_days", 17, "statutory"),
    ("task-in-unknown-department", _bad("{department: GHJ, days: 5}", "{department: ZZZ, days: 5}"),
     "service_items[0].workflow[0].tasks[0].department", 22, "unknown department"),
    ("window-unknown-category", _bad("categories: [A]", "categories: [A, Q]"),
     "windows[0].categories[1]", 8, "unknown queue category"),
    ("rate-not-decimal", _bad('rate: "25.00"', 'rate: "25.5.1"'),
     "fee_items[0].rate", 10, "decimal string"),
    ("rate-float", _bad('rate: "25.00"', "rate: 25.0"), "fee_items[0].rate", 10, "decimal string"),
    ("rate-three-decimals", _bad('rate: "25.00"', 'rate: "25.001"'),
     "fee_items[0].rate", 10, "decimal string"),
    ("rate-fullwidth", _bad('rate: "25.00"', 'rate: "２５"'), "fee_items[0].rate", 10,
     "decimal string"),
    ("duplicate-department",
     _bad("  - {code: RFB, name: 人防办}", "  - {code: GHJ, name: 人防办}"),
     "departments[1].code", 4, "duplicate"),
    ("duplicate-window",
     _bad("windows:\n", "windows:\n  - {number: 1, name: 又一, categories: [A]}\n"),
     "windows[1].number", 9, "duplicate"),
    ("duplicate-item",
     MINIMAL.replace("calendar:", "  - {code: JS-001, name: 又一, lead_department: GHJ, "
                                  "statutory_days: 1, promised_days: 1}\ncalendar:"),
     "service_items[1].code", 23, "duplicate"),
    ("bad-yaml", _bad("windows:\n", "windows:\n  - {number: 1, name: [\n"), "$", 9, "YAML"),
    ("tab-indent", _bad("calendar:\n", "calendar:\n\t"), "$", 24, "YAML"),
    ("top-level-list", "- a\n- b\n", "$", 1, "mapping"),
    ("top-level-scalar", "just text\n", "$", 1, "mapping"),
    ("empty-file", "", "$", 1, "mapping"),
    ("bad-date-string", _bad('"2027-01-01"', '"2027-02-30"'), "calendar.holidays[0]", 24, "date"),
    ("bad-date-unquoted", _bad('"2027-01-01"', "2027-13-01"), "calendar.holidays[0]", 24, "date"),
    ("per-unit-parameter-missing", _bad("parameters: [{name: area_m2, label: 面积, type: decimal}]",
                                        "parameters: []"),
     "service_items[0].fees[0]", 19, "area_m2"),
    ("unhashable-department", _bad("lead_department: GHJ", "lead_department: [GHJ]"),
     "service_items[0].lead_department", 14, "unknown department"),
    ("unhashable-window-category", _bad("categories: [A]", "categories: [[A]]"),
     "windows[0].categories[0]", 8, "unknown queue category"),
    ("unhashable-fee", _bad("fees: [RFYD]", "fees: [{RFYD: 1}]"), "service_items[0].fees[0]", 19,
     "unknown fee"),
    ("unhashable-parameter-name", _bad("{name: area_m2, label", "{name: [area_m2], label"),
     "service_items[0].parameters[0].name", 18, "identifier"),
    ("bad-timezone", _bad("timezone: Asia/Shanghai", "timezone: Mars/Base"), "center.timezone", 1,
     "time zone"),
    ("days-not-integer", _bad("statutory_days: 20", "statutory_days: '20'"),
     "service_items[0].statutory_days", 16, "whole number"),
]


@pytest.mark.parametrize(("text", "path", "line", "words"), [b[1:] for b in BAD_FILES],
                         ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_whole(sqlite_app, text, path, line, words):
    with sqlite_app.app_context():
        import_text(DEMO)
        before = counts()
        with pytest.raises(CatalogError) as err:
            import_text(text)
        problems = err.value.problems
        hit = [p for p in problems if p["path"] == path]
        assert hit, problems
        assert hit[0]["line"] == line, problems
        assert words.lower() in hit[0]["message"].lower(), problems
        if line is not None:
            assert f"line {line}: {path}" in str(err.value)
        db.session.rollback()
        assert counts() == before


def test_every_problem_is_reported_at_once(sqlite_app):
    text = _bad("lead_department: GHJ", "lead_department: XXX").replace(
        "promised_days: 10", "promised_days: 30")
    with sqlite_app.app_context(), pytest.raises(CatalogError) as err:
        import_text(text)
    assert {p["path"] for p in err.value.problems} >= {"service_items[0].lead_department",
                                                       "service_items[0].promised_days"}


def test_nothing_written_on_postgres_either(app):
    with app.app_context():
        before = counts()
        with pytest.raises(CatalogError):
            import_text(_bad("categories: [A]", "categories: [Q]"))
        db.session.rollback()
        assert counts() == before == {t.__tablename__: 0 for t in TABLES}


def test_cli_import_refuses_with_line_on_stderr(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(_bad("promised_days: 10", "promised_days: 30"), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 17: service_items[0].promised_days" in result.stderr
    assert "imported" not in result.stdout


def test_cli_import_and_export(runner, tmp_path):
    good = tmp_path / "demo.yaml"
    good.write_text(DEMO, encoding="utf-8")
    first = runner.invoke(args=["catalog", "import", str(good)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["catalog", "import", str(good)])
    assert again.exit_code == 0 and "0 created, 0 updated" in again.stdout
    out = tmp_path / "out.yaml"
    assert runner.invoke(args=["catalog", "export", str(out)]).exit_code == 0
    back = runner.invoke(args=["catalog", "import", str(out)])
    assert back.exit_code == 0 and "0 created, 0 updated" in back.stdout


def test_cli_import_of_a_binary_file_is_refused(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"center: {name: \xff\xfe}\n")
    result = runner.invoke(args=["catalog", "import", str(bad)])
    assert result.exit_code != 0
    assert "UTF-8" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
