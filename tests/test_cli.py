"""The command line: create-user, seed-demo's refusal in production, init-db through the
Alembic migrations, and production refusing the default secret."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select
from werkzeug.security import check_password_hash

from service_center import create_app
from service_center.auth.models import User
from service_center.extensions import db

from .conftest import make_app, seed_demo_catalog


@pytest.fixture
def cli(sqlite_app):
    seed_demo_catalog(sqlite_app)
    return sqlite_app.test_cli_runner()


def _user(app, name):
    """(role, window number, hall code, department code, password checker) or None."""
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None:
            return None
        return SimpleNamespace(role=user.role,
                               window=user.window.number if user.window else None,
                               hall=user.window.hall.code if user.window else None,
                               department=user.department.code if user.department else None,
                               hash=user.password_hash)


def test_create_user_with_password_stdin(cli, sqlite_app):
    result = cli.invoke(args=["create-user", "clerk9", "--role", "window_staff", "--window", "3",
                              "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "created clerk9" in result.stdout
    user = _user(sqlite_app, "clerk9")
    assert (user.role, user.window, user.hall) == ("window_staff", 3, "MAIN")
    assert check_password_hash(user.hash, "a-long-password")


def test_create_user_in_a_town_hall(cli, sqlite_app):
    result = cli.invoke(args=["create-user", "xd3", "--role", "window_staff", "--window", "2",
                              "--hall", "XD", "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert _user(sqlite_app, "xd3").hall == "XD"


def test_create_approver(cli, sqlite_app):
    result = cli.invoke(args=["create-user", "ap", "--role", "approver", "--department", "GHJ",
                              "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert _user(sqlite_app, "ap").department == "GHJ"


@pytest.mark.parametrize(("args", "field"), [
    (["--role", "approver"], "department"),
    (["--role", "approver", "--department", "NOPE"], "department"),
    (["--role", "window_staff", "--window", "42"], "window"),
    (["--role", "window_staff", "--window", "7", "--hall", "XD"], "window"),
    (["--role", "window_staff", "--window", "1", "--hall", "NOPE"], "hall"),
])
def test_create_user_refusals(cli, sqlite_app, args, field):
    result = cli.invoke(args=["create-user", "someone", *args, "--password-stdin"],
                        input="a-long-password\n")
    assert result.exit_code == 1
    assert f"{field}:" in result.stderr
    assert _user(sqlite_app, "someone") is None


def test_create_user_refuses_short_password_and_taken_name(cli):
    short = cli.invoke(args=["create-user", "x1", "--role", "admin", "--password-stdin"],
                       input="short\n")
    assert short.exit_code == 1 and "password:" in short.stderr
    taken = cli.invoke(args=["create-user", "admin", "--role", "admin", "--password-stdin"],
                       input="a-long-password\n")
    assert taken.exit_code == 1 and "username:" in taken.stderr


def test_create_user_unknown_role(cli):
    result = cli.invoke(args=["create-user", "x", "--role", "boss", "--password-stdin"],
                        input="a-long-password\n")
    assert result.exit_code == 2


def test_seed_demo_refuses_in_production(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'prod.db'}", SERVICE_CENTER_ENV="production",
                   SECRET_KEY="a-production-secret-that-is-long")
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "production" in result.stderr
    with app.app_context():
        assert db.session.execute(select(User.id)).first() is None
        db.engine.dispose()


def test_seed_demo_seeds_once(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo center ready" in first.stdout
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing seeded" in again.stdout


def test_init_db_runs_the_migrations(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"alembic_version", "ticket", "ticket_counter", "user", "hall", "window",
                "audit_event", "service_item"} <= tables
        # running it again is harmless
        assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                              marks=pytest.mark.postgres)])
def test_migrations_build_exactly_the_models_schema(tmp_path, backend, request):
    """init-db's Alembic migrations produce the schema the models declare: autogenerate
    finds nothing to add, drop or change (every domain's migration is merged into one head)."""
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        from tests.conftest import PG_ADMIN_URL, _pg_reachable, _skip_or_fail

        reason = _pg_reachable()
        if reason:
            _skip_or_fail(reason)
        name = f"onewindow_migrate_{tmp_path.name[-12:].lower()}".replace("-", "_")
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = make_app(url)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="heads")
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            db.engine.dispose()
        assert diff == []
        config = Config()
        config.set_main_option("script_location", directory)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    finally:
        if backend == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SERVICE_CENTER_ENV": "production"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SERVICE_CENTER_ENV": "production", "SECRET_KEY": "short"})
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"SERVICE_CENTER_ENV": "production", "SECRET_KEY": "x" * 40, "DEBUG": True})
