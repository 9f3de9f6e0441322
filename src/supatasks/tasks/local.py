"""Tasks for the embedded local PostgreSQL server."""

from __future__ import annotations

from .edge import db_task


@db_task
def start(c):
    """Start the embedded local PostgreSQL server (no Docker needed)."""
    from ..profiles import load_profile
    from ..project import find_project
    from ..target import local_server_for
    from .console import out

    project = find_project()
    server = local_server_for(project, load_profile(project, "local"))
    started = server.start()
    out(f"{'started' if started else 'already running'}: {server.url()} (data in {project.relative(server.data_dir)})")


@db_task
def stop(c):
    """Stop the embedded local PostgreSQL server."""
    from ..profiles import load_profile
    from ..project import find_project
    from ..target import local_server_for
    from .console import out

    project = find_project()
    server = local_server_for(project, load_profile(project, "local"))
    out("stopped" if server.stop() else "not running")
