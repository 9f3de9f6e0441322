"""Pushing migrations to a profile's database: plan first, then apply with the same runner as db.up."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import audit
from ..reporter import Reporter
from ..target import Target
from . import history
from .plan import Plan
from .runner import PreparedMigration, apply_migrations
from .seeds import SeedFile, pending_seeds, run_seeds, seed_files
from .up import plan_up, session_settings


@dataclass
class PushPlan:
    target: Target
    plan: Plan
    prepared: list[PreparedMigration]
    seeds: list[SeedFile] = field(default_factory=list)
    include_all: bool = False    # as asked: passed on to `supabase db push` with --engine=cli
    include_seed: bool = False

    @property
    def empty(self) -> bool:
        return not self.prepared and not self.seeds

    def as_dict(self) -> dict:
        return {
            "env": self.target.name,
            "target": self.target.db.display(),
            "database": self.target.db.database,
            "migrations": [{"version": p.migration.version, "name": p.migration.name, "file": p.label,
                            "hash": p.content_hash, "transactional": p.transactional} for p in self.prepared],
            "seeds": [{"file": s.label, "hash": s.digest} for s in self.seeds],
            "out_of_order": [m.filename for m in self.plan.out_of_order],
        }

    def summary(self) -> str:
        lines = [self.target.header(database=True)]
        if self.prepared:
            lines.append(f"Migrations to apply ({len(self.prepared)}), each in one transaction with its history row:")
            lines += [f"  {p.migration.filename}" + ("" if p.transactional else "  (outside a transaction)")
                      for p in self.prepared]
        else:
            lines.append("Migrations to apply: none")
        if self.seeds:
            lines.append("Seed files to run: " + ", ".join(s.label for s in self.seeds))
        return "\n".join(lines)


def plan_push(target: Target, include_all: bool = False, include_seed: bool = False) -> PushPlan:
    with target.connect() as conn:
        plan, prepared = plan_up(target, conn, include_all=include_all, check_drift=True)
        seeds = pending_seeds(conn, seed_files(target.project)) if include_seed else []
    return PushPlan(target, plan, prepared, seeds, include_all, include_seed)


def apply_push(push: PushPlan, reporter: Reporter | None = None, batch: audit.AuditContext | None = None,
               details: dict | None = None) -> list[PreparedMigration]:
    """Apply a confirmed plan. Runs re-check the history under the lock, so nothing is applied twice."""
    target = push.target
    target.require_migration_safe()
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    with target.connect() as conn:
        applied = apply_migrations(conn, push.prepared, session_settings(target), reporter, ctx)
        if push.seeds:
            run_seeds(conn, push.seeds, ctx)
        if details:
            audit.record(conn, ctx, "push", started_at=audit.utcnow(), details=details)
    return applied


def record_cli_push(push: PushPlan, batch: audit.AuditContext | None = None,
                    details: dict | None = None) -> list[str]:
    """After `supabase db push`, write audit rows for what the CLI applied (it keeps no audit of its own)."""
    ctx = batch or audit.AuditContext(push.target.name, push.target.project.root)
    with push.target.connect() as conn:
        applied = {r.version for r in history.read_history(conn)}
        audit.ensure_audit(conn)
        done = [p for p in push.prepared if p.migration.version in applied]
        for p in done:
            audit.record(conn, ctx, "apply", started_at=audit.utcnow(), version=p.migration.version,
                         name=p.migration.name, content_hash=p.content_hash, details={"engine": "cli"})
        if details:
            audit.record(conn, ctx, "push", started_at=audit.utcnow(), details={"engine": "cli", **details})
    return [p.migration.version for p in done]


# -- db.push: the rules between the plan and the apply ---------------------------------------------------

@dataclass
class PushOutcome:
    push: PushPlan
    done: str                      # "dry-run", "up-to-date", "cli" or "applied"
    applied: list = field(default_factory=list)   # PreparedMigration (supatasks) or versions (cli)


def require_seed_consent(push: PushPlan, confirm) -> None:
    """--include-seed on a protected profile needs the project ref spelled out (--confirm), even on a terminal."""
    from ..errors import Refused

    target = push.target
    if push.seeds and target.profile.protected and confirm is None:
        raise Refused(f"--include-seed on protected profile {target.name} needs --confirm=<project ref>; "
                      "nothing was changed")


def run_push(push: PushPlan, consent, *, dry_run: bool = False, engine: str = "supatasks",
             skip_lint: bool = False, skip_advise: bool = False, reporter: Reporter | None = None,
             say=lambda message: None) -> PushOutcome:
    """db.push after its plan: the lint gate, the advisor gate, the seed rule, the confirmation, then apply — by
    supatasks or by `supabase db push` (whose applied versions are then recorded in the audit log)."""
    # the imports from checks/: the files to push are linted first, then proved on a scratch database
    from ..checks.advise import push_advise_gate
    from ..checks.lint import push_lint_gate
    from ..confirmation import confirm_write

    target = push.target
    gate = push_lint_gate(push, skip_lint=skip_lint, dry_run=dry_run, say=say)
    gate.update(push_advise_gate(push, skip_advise=skip_advise, dry_run=dry_run, say=say))
    if dry_run:
        return PushOutcome(push, "dry-run")
    if push.empty:
        return PushOutcome(push, "up-to-date")
    require_seed_consent(push, consent.confirm)
    confirm_write(target.profile, push.summary(), consent, say=say)
    batch = audit.AuditContext(target.name, target.project.root)
    if engine == "cli":
        from ..server import supabase_cli

        result = supabase_cli.db_push(target.project, target.db, include_all=push.include_all,
                                      include_seed=push.include_seed)
        say((result.stdout + result.stderr).strip())
        return PushOutcome(push, "cli", record_cli_push(push, batch, details=gate))
    return PushOutcome(push, "applied", apply_push(push, reporter, batch, details=gate))
