"""`flask agreements render`: write agreements as Word files from the command line."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.agreements import service
from app.extensions import db
from app.models import Project

agreements_cli = AppGroup("agreements", help="Render partnership agreements as Word files.")


@agreements_cli.command("render")
@click.option("--project", "project_id", type=int, help="The project's id.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--all", "all_projects", is_flag=True, help="Every project with an agreement.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--draft",
    "latest_draft",
    is_flag=True,
    help="Write the latest saved version, approved or not (marked UDKAST), instead of the "
    "approved version.",
)
def render_command(project_id, output, all_projects, output_dir, latest_draft):
    """Write one project's (or every project's) approved agreement as .docx.

    With --draft, the latest saved version instead, marked as a draft when it is not approved.
    """

    def pick(project):
        if latest_draft:
            return service.latest_version(project)
        return service.approved_version(project)

    if all_projects == bool(project_id):
        raise click.UsageError(
            "Give either --project ID with --output FILE, or --all with --output-dir DIR."
        )
    if project_id:
        if output is None:
            raise click.UsageError("--project needs --output FILE.")
        project = db.session.get(Project, project_id)
        if project is None:
            raise click.ClickException(f"No project with id {project_id}.")
        version = pick(project)
        if version is None and not latest_draft and service.latest_version(project):
            raise click.ClickException(
                f"Project {project_id} has no approved agreement yet; add --draft for the "
                "latest draft."
            )
        if version is None:
            raise click.ClickException(f"Project {project_id} has no saved agreement yet.")
        output.write_bytes(service.docx_for(version))
        click.echo(f"Wrote {output} ({project.name}, {version.label})")
        return
    if output_dir is None:
        raise click.UsageError("--all needs --output-dir DIR.")
    output_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for project in db.session.scalars(select(Project).order_by(Project.id)):
        version = pick(project)
        if version is None:
            continue
        path = output_dir / service.download_name(version, "docx")
        path.write_bytes(service.docx_for(version))
        click.echo(f"Wrote {path}")
        written += 1
    click.echo(f"{written} agreement(s) written.")


def init_app(app):
    app.cli.add_command(agreements_cli)
