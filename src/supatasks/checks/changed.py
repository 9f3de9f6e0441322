"""Which files of a project changed against a git base (db.lint --changed)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..project import Project


def git(project: Project, args: list[str], check: bool = False):
    """git without pager, colours or quoted paths (programs.run gives it a terminal)."""
    from .. import programs

    return programs.run("git", ["--no-pager", "-c", "color.ui=never", "-c", "core.quotepath=off", *args],
                        cwd=project.root, check=check, timeout=60, env={"GIT_PAGER": "cat", "TERM": "dumb"})


def default_base(project: Project) -> str:
    probe = git(project, ["rev-parse", "--verify", "--quiet", "origin/main^{commit}"])
    return "origin/main" if probe.exit_code == 0 else "HEAD"


def changed_files(project: Project, base: str | None = None) -> tuple[str, set[Path]]:
    """Files changed against `base` (default origin/main, else HEAD): committed since the merge base,
    staged, unstaged and untracked. Returns (the base used, absolute paths)."""
    inside = git(project, ["rev-parse", "--is-inside-work-tree"])
    if inside.exit_code != 0 or inside.stdout.strip() != "true":
        raise ConfigError(f"--changed needs a git repository; {project.root} is not inside one")
    base = base or default_base(project)
    if git(project, ["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"]).exit_code != 0:
        raise ConfigError(f"--base={base}: no such commit or branch in this repository")
    merge_base = git(project, ["merge-base", base, "HEAD"])
    since = merge_base.stdout.strip() if merge_base.exit_code == 0 and merge_base.stdout.strip() else base
    diff = git(project, ["diff", "--name-only", "--relative", "--no-renames", since, "--", "supabase"], check=True)
    untracked = git(project, ["ls-files", "--others", "--exclude-standard", "--", "supabase"], check=True)
    names = {line.strip() for line in (diff.stdout + "\n" + untracked.stdout).splitlines() if line.strip()}
    return base, {(project.root / name).absolute() for name in names}
