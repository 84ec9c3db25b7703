from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from .importer import CatalogError, export_text, import_text

catalog_cli = AppGroup("catalog", help="Import or export the service-item catalog (YAML).")


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Load or update the catalog from PATH; a bad file is refused as a whole."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        click.echo(f"catalog refused: {path}: not UTF-8 text (byte {exc.start})", err=True)
        sys.exit(1)
    try:
        changes = import_text(text)
    except CatalogError as exc:
        click.echo(f"catalog refused: {path}", err=True)
        for p in exc.problems:
            where = f"line {p['line']}: " if p.get("line") else ""
            click.echo(f"  {where}{p['path']}: {p['message']}", err=True)
        sys.exit(1)
    click.echo(f"catalog imported: {changes['created']} created, {changes['updated']} updated")


@catalog_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write the current catalog to PATH in the import format."""
    text = export_text()
    if path == "-":
        click.echo(text)
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    click.echo(f"catalog exported to {path}")


def register(app) -> None:
    app.cli.add_command(catalog_cli)
