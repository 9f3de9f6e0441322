"""The rehearsal: the planned steps run first on a copy of the target's schema, never on the target.

`pg_dump --schema-only` of the target (read-only: no data, nothing written; the password in PGPASSWORD) is
restored onto a scratch database of the local server that already holds the Supabase bootstrap, and the
planned files run there exactly as they would on the target — each in its transaction, timed. A failure
names the file and the line (SQLSTATE) and stops the command before the target is touched.

What a schema-only copy cannot show: failures that depend on the rows (a NOT NULL on a column with NULLs, a
unique index over duplicates) and the time the target takes on its real data.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import programs
from ..errors import Refused, SupatasksError
from ..server import pg_tools
from ..target import Target
from ..target import scratch_target
from .scratch import scratch_database

SCRATCH_PREFIX = "supatasks_rehearsal_"
DUMP_LOCK_WAIT = "60s"
# pg_restore onto the bootstrap: expected are the errors about what the bootstrap has (auth.users, the extensions)
# already, and a newer pg_restore's session settings an older local server does not know (transaction_timeout)
_EXPECTED = ("already exists", "multiple primary keys", "unrecognized configuration parameter")


class RehearsalFailed(Refused):
    """A planned step failed on the copy: nothing ran on the target (exit 2, like every safety refusal)."""

    def __init__(self, message: str, rehearsal: "Rehearsal"):
        super().__init__(message)
        self.rehearsal = rehearsal


@dataclass
class RehearsalStep:
    title: str
    label: str                 # the file, as shown to people
    statements: list           # split statements, as they will run on the target
    transactional: bool = True


@dataclass
class Rehearsal:
    server: str = ""
    steps: list[tuple[RehearsalStep, float]] = field(default_factory=list)
    failed: RehearsalStep | None = None
    error: str | None = None
    dump_seconds: float = 0.0
    restore_seconds: float = 0.0
    seconds: float = 0.0
    restore_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def lines(self) -> list[str]:
        head = (f"Rehearsal on a copy of the target's schema ({self.server}): schema copied in "
                f"{self.dump_seconds + self.restore_seconds:.2f}s")
        lines = [head]
        lines += [f"  ok      {step.title} ({step.label}) in {seconds:.3f}s" for step, seconds in self.steps]
        if self.failed:
            lines.append(f"  FAILED  {self.failed.title}: {self.error}")
        if self.restore_problems:
            lines.append(f"  note: {len(self.restore_problems)} object(s) of the target could not be copied: "
                         + "; ".join(self.restore_problems[:3]))
        return lines

    def summary(self) -> str:
        if self.failed:
            return f"rehearsal FAILED at {self.failed.title}: {self.error.splitlines()[0] if self.error else ''}"
        return (f"rehearsal passed: {len(self.steps)} step(s) in "
                f"{sum(s for _, s in self.steps):.3f}s on a copy of the schema ({self.seconds:.1f}s in all)")

    def as_dict(self) -> dict:
        return {"ok": self.ok, "server": self.server, "seconds": round(self.seconds, 3),
                "dump_seconds": round(self.dump_seconds, 3), "restore_seconds": round(self.restore_seconds, 3),
                "steps": [{"title": s.title, "file": s.label, "seconds": round(t, 4)} for s, t in self.steps],
                "failed": ({"title": self.failed.title, "file": self.failed.label, "error": self.error}
                           if self.failed else None),
                "restore_problems": self.restore_problems}


def rehearse(target: Target, steps: list[RehearsalStep], say=lambda message: None) -> Rehearsal:
    """Run `steps` on a copy of `target`'s schema; raise RehearsalFailed at the first failing step."""
    from ..migrations.executor import SessionSettings, execute_statements, session_limits

    began = time.perf_counter()
    local = scratch_target(target.project, "the rehearsal", "--no-rehearse skips it")
    result = Rehearsal(server=local.describe())
    with tempfile.TemporaryDirectory(prefix="supatasks-rehearsal-") as folder:
        dump = Path(folder) / "schema.dump"
        started = time.perf_counter()
        with target.connect() as conn:
            target_major = conn.info.server_version // 10000
        programs.run(pg_tools.find_tool("pg_dump", target_major),
                     ["--schema-only", "--format=custom", "--no-password", f"--lock-wait-timeout={DUMP_LOCK_WAIT}",
                      f"--file={dump}"] + pg_tools.connection_args(target.db),
                     env=target.db.libpq_env(), timeout=600)
        result.dump_seconds = time.perf_counter() - started
        with scratch_database(local, SCRATCH_PREFIX, say) as name:
            copy = local.db.with_database(name)
            started = time.perf_counter()
            with local.connect(database=name) as conn:
                local_major = conn.info.server_version // 10000
            restored = programs.run(pg_tools.find_tool("pg_restore", max(target_major, local_major)),
                                    ["--no-owner", "--no-password"] + pg_tools.connection_args(copy)
                                    + [str(dump)], env={**copy.libpq_env(), "LC_MESSAGES": "C"},
                                    timeout=600, check=False)
            result.restore_seconds = time.perf_counter() - started
            result.restore_problems = restore_problems(restored.stderr)
            settings = SessionSettings(statement_timeout="10min", lock_timeout="30s")
            with local.connect(database=name) as conn:
                for step in steps:
                    began_step = time.perf_counter()
                    try:
                        if step.transactional:
                            with conn.transaction():
                                session_limits(conn, settings, local=True)
                                execute_statements(conn, step.label, step.statements)
                        else:
                            execute_statements(conn, step.label, step.statements)
                    except SupatasksError as exc:
                        result.failed, result.error = step, str(exc)
                        result.seconds = time.perf_counter() - began
                        raise RehearsalFailed(
                            f"rehearsal on a copy of {target.name}'s schema failed at {step.title}: {exc}\n"
                            f"nothing was run on {target.name}: fix the file and run the command again "
                            "(--no-rehearse skips the rehearsal)", result) from None
                    result.steps.append((step, time.perf_counter() - began_step))
    result.seconds = time.perf_counter() - began
    return result


def restore_problems(stderr: str) -> list[str]:
    """pg_restore's errors other than the objects the bootstrap has already."""
    problems = []
    for line in stderr.splitlines():
        line = line.strip()
        if "error:" in line and not any(text in line for text in _EXPECTED) and "errors ignored" not in line:
            problems.append(line.split("error:", 1)[1].strip())
    return problems
