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
    at_risk: object | None = None  # checks.at_risk.DataAtRisk: what the files destroy on the target

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
            "data_at_risk": self.at_risk.as_dict() if self.at_risk is not None else None,
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
        if self.at_risk is not None and self.at_risk.items:
            lines += self.at_risk.lines()
        return "\n".join(lines)


def plan_push(target: Target, include_all: bool = False, include_seed: bool = False) -> PushPlan:
    with target.connect() as conn:
        plan, prepared = plan_up(target, conn, include_all=include_all, check_drift=True)
        seeds = pending_seeds(conn, seed_files(target.project)) if include_seed else []
        at_risk = data_at_risk(conn, [(p.label, p.executable) for p in prepared]
                               + [(s.label, seed_statements(s)) for s in seeds])
    return PushPlan(target, plan, prepared, seeds, include_all, include_seed, at_risk)


def seed_statements(seed: SeedFile) -> list:
    from ..sqltext.split import split_statements
    from .files import decode_sql

    return [s for s in split_statements(decode_sql(seed.path, seed.data)) if s.has_code]


def data_at_risk(conn, files: list[tuple[str, list]]):
    """What the statements of `files` destroy on the target (checks/at_risk.py, lazily: like the lint gate)."""
    from ..checks.at_risk import assess

    return assess(conn, files)


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
    rehearsal: object | None = None     # checks.rehearsal.Rehearsal
    verification: object | None = None  # checks.verify.Verification


def require_seed_consent(push: PushPlan, confirm) -> None:
    """--include-seed on a protected profile needs the project ref spelled out (--confirm), even on a terminal."""
    from ..errors import Refused

    target = push.target
    if push.seeds and target.profile.protected and confirm is None:
        raise Refused(f"--include-seed on protected profile {target.name} needs --confirm=<project ref>; "
                      "nothing was changed")


def run_push(push: PushPlan, consent, *, dry_run: bool = False, engine: str = "supatasks",
             skip_lint: bool = False, skip_advise: bool = False, reporter: Reporter | None = None,
             say=lambda message: None, rehearse: bool = False, verify: bool | None = None) -> PushOutcome:
    """db.push after its plan: the lint gate, the advisor gate, the rehearsal (asked), the seed rule, the
    confirmation, then apply — by supatasks or by `supabase db push` (whose applied versions are then recorded
    in the audit log) — and the schema verification (asked). checks/ is imported lazily: the files to push are
    linted first, then proved on a scratch database; the rehearsal and verify. `verify` None: on a protected
    profile (production) the schema is verified after the push, elsewhere when asked."""
    from ..checks.advise import push_advise_gate
    from ..checks.lint import push_lint_gate
    from ..confirmation import confirm_write

    target = push.target
    gate = push_lint_gate(push, skip_lint=skip_lint, dry_run=dry_run, say=say)
    gate.update(push_advise_gate(push, skip_advise=skip_advise, dry_run=dry_run, say=say))
    rehearsal = None
    if rehearse and push.prepared:
        from ..checks.rehearsal import RehearsalStep, rehearse as run_rehearsal

        say("Rehearsing on a copy of the target's schema (pg_dump --schema-only, no data) …")
        rehearsal = run_rehearsal(target, [RehearsalStep(p.migration.filename, p.label, p.executable,
                                                         p.transactional) for p in push.prepared], say)
        for line in rehearsal.lines():
            say(line)
    if dry_run:
        return PushOutcome(push, "dry-run", rehearsal=rehearsal)
    if push.empty:
        return PushOutcome(push, "up-to-date", rehearsal=rehearsal)
    require_seed_consent(push, consent.confirm)
    phrase = push.at_risk.phrase() if push.at_risk is not None else None
    confirm_write(target.profile, push.summary(), consent, say=say, at_risk=phrase)
    extra = {"data_at_risk": phrase, "rehearsal": rehearsal.summary() if rehearsal else None}
    gate = {**gate, **{key: value for key, value in extra.items() if value}}  # in the audit row, when there is any
    batch = audit.AuditContext(target.name, target.project.root)
    if engine == "cli":
        from ..server import supabase_cli

        result = supabase_cli.db_push(target.project, target.db, include_all=push.include_all,
                                      include_seed=push.include_seed)
        say((result.stdout + result.stderr).strip())
        outcome = PushOutcome(push, "cli", record_cli_push(push, batch, details=gate), rehearsal=rehearsal)
    else:
        outcome = PushOutcome(push, "applied", apply_push(push, reporter, batch, details=gate),
                              rehearsal=rehearsal)
    if verify is None:
        verify = target.profile.protected
    if verify and outcome.done in ("applied", "cli"):
        from ..checks.verify import require_verified, verify_after

        with target.connect() as conn:
            applied = [r.version for r in history.read_history(conn)]
        outcome.verification = verify_after(target, applied[-1] if applied else None, "the push", say)
        for line in outcome.verification.lines():
            say(line)
        require_verified(outcome.verification, target)
    return outcome
