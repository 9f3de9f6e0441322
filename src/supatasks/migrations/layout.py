"""Moving the guide's down files out of migrations/, where the Supabase CLI would apply them as migrations.

`supabase/migrations/<version>_<name>_down.sql` becomes `supabase/rollbacks/<version>_<name>.down.sql`.
Nothing is ever overwritten: if any destination exists, nothing moves at all.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Refused
from ..project import Project
from .files import DOWN_SUFFIX, scan_migrations


@dataclass(frozen=True)
class Move:
    source: Path
    dest: Path
    conflict: str | None = None  # why this file cannot move


@dataclass
class LayoutPlan:
    project: Project
    moves: list[Move] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Move]:
        return [m for m in self.moves if m.conflict]

    def lines(self) -> list[str]:
        rel = self.project.relative
        out = []
        for m in self.moves:
            out.append(f"  {rel(m.source)}  ->  {rel(m.dest)}" + (f"   CONFLICT: {m.conflict}" if m.conflict else ""))
        return out

    def as_dict(self) -> dict:
        rel = self.project.relative
        return {"moves": [{"from": rel(m.source), "to": rel(m.dest), "conflict": m.conflict} for m in self.moves]}


def plan_fix_layout(project: Project) -> LayoutPlan:
    """Which legacy down files would move where (nothing is touched)."""
    plan = LayoutPlan(project)
    for stem, source in sorted(scan_migrations(project).legacy_downs.items()):
        dest = project.rollbacks_dir / f"{stem}{DOWN_SUFFIX}"
        conflict = None
        if dest.exists():
            same = dest.is_file() and dest.read_bytes() == source.read_bytes()
            conflict = (f"{project.relative(dest)} already exists"
                        + (" with the same content: delete the copy in migrations/ yourself" if same
                           else " with different content: merge the two by hand"))
        plan.moves.append(Move(source, dest, conflict))
    return plan


def apply_fix_layout(plan: LayoutPlan) -> list[Move]:
    """Move every file of `plan`; refuse (moving nothing) if any destination already exists."""
    if plan.conflicts:
        raise Refused("cannot move without overwriting: "
                      + "; ".join(m.conflict for m in plan.conflicts if m.conflict) + "; nothing was changed")
    done: list[Move] = []
    for move in plan.moves:
        move.dest.parent.mkdir(parents=True, exist_ok=True)
        _move_without_overwrite(move.source, move.dest)
        done.append(move)
    return done


def _move_without_overwrite(source: Path, dest: Path) -> None:
    """Like rename, but fails instead of replacing an existing `dest` (even one created meanwhile)."""
    try:
        os.link(source, dest)  # atomic, and raises FileExistsError rather than replacing
    except FileExistsError:
        raise Refused(f"{dest} appeared while moving; {source} was left in place") from None
    except OSError:  # no hard links here (another file system, …): copy exclusively instead
        with open(source, "rb") as src, open(dest, "xb") as out:
            shutil.copyfileobj(src, out)
        shutil.copystat(source, dest)
    source.unlink()
