"""`servicecraft forms import|export` and `evaluations import|export` (forms.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail


def _version_for(ident: str):
    """A form by slug or id (its newest published version), or a form version by ``slug@N``."""
    from qa.evaluations import services

    slug, _sep, number = ident.partition("@")
    form = services.get_form(slug)
    if form is None:
        return None, None
    if number:
        version = next((v for v in form.versions if str(v.number) == number), None)
    else:
        version = services.latest_published(form) or services.latest_version(form)
    return form, version


@click.group(help="Evaluation forms: import and export form files (YAML).")
def forms():
    pass


@forms.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@with_appcontext
def forms_import(file: Path, as_json: bool):
    """Import a form file: a new form, or a new version when the form changed."""
    from qa.evaluations import services
    from servicecraft.extensions import db

    try:
        version, created = services.import_form(file.read_bytes(), filename=file.name, actor=None)
    except services.FormError as error:
        db.session.rollback()
        fail([str(p) for p in error.problems])
    except services.EvaluationError as error:
        db.session.rollback()
        fail(error.messages())
    db.session.commit()
    result = {"id": version.form.slug, "form_id": version.form.id, "version": version.number,
              "version_id": version.id, "created": created, "fingerprint": version.fingerprint}
    if as_json:
        emit_json(result)
    else:
        word = "imported" if created else "unchanged"
        click.echo(f"{word}: {version.form.slug} version {version.number}", err=True)


@forms.command("export")
@click.argument("ident", metavar="ID")
@with_appcontext
def forms_export(ident: str):
    """Print a form's newest published version (ID: slug, numeric id, or slug@N) as YAML."""
    form, version = _version_for(ident)
    if form is None or version is None:
        fail([f"ID: no form has the id {ident!r}"])
    text = version.source
    click.echo(text if text.endswith("\n") else text + "\n", nl=False)


@click.group(help="Evaluations: exchange results with mystery-shopping providers (CSV, JSON).")
def evaluations():
    pass


@evaluations.command("import")
@click.option("--form", "form_ident", required=True, metavar="ID", help="form slug, numeric id or slug@N")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--evidence", "evidence_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="folder holding the evidence files the CSV names")
@click.option("--status", type=click.Choice(["submitted", "validated", "released"]), default="validated", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@with_appcontext
def evaluations_import(form_ident: str, file: Path, evidence_dir: Path | None, status: str, as_json: bool):
    """Import a provider's results CSV for one form: every row or none."""
    from qa.evaluations import services
    from servicecraft.extensions import db

    form, version = _version_for(form_ident)
    if form is None or version is None:
        result = {"imported": 0, "errors": [f"--form: no form has the id {form_ident!r}"]}
    else:
        try:
            result = services.import_results(version, file.read_bytes(), evidence_dir=evidence_dir, status=status,
                                             actor=None, filename=file.name)
        except services.EvaluationError as error:
            result = {"imported": 0, "errors": error.messages()}
    if result["errors"]:
        db.session.rollback()
        if as_json:
            emit_json(result)
        fail(result["errors"])
    db.session.commit()
    if as_json:
        emit_json(result)
    else:
        click.echo(f"imported {result['imported']} evaluations", err=True)


@evaluations.command("export")
@click.option("--form", "form_ident", default=None, metavar="ID", help="only this form (slug or id)")
@click.option("--json", "as_json", is_flag=True, help="print JSON (the only format)")
@with_appcontext
def evaluations_export(form_ident: str | None, as_json: bool):
    """Print every submitted evaluation with its score (JSON)."""
    from qa.evaluations import services

    try:
        rows = services.export_evaluations(form_ident)
    except services.EvaluationError as error:
        fail(error.messages())
    emit_json(rows)
