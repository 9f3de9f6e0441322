"""`db.rollback`: the careful, recorded rollback for an incident — recent pushes from the audit log, a proposed
target, confirmation, a backup first, the down files (down.py), a verification, an incident record."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import Callable

from .. import audit
from ..errors import Refused, SupatasksError
from ..migrations import history
from ..reporter import Reporter
from ..target import Target
from .backup import require_backup
from .batches import applied_batches, propose_versions
from .down import PITR_HINT, DownFailed, DownPlan, DownResult, DownStep, plan_versions, rehearse_down, run_down
from .incident import FAILED, REFUSED, IncidentRecord, Unrecorded, incidents_dir, interruption, stamp


@dataclass
class IncidentOutcome:
    record: IncidentRecord | None    # None for a dry run
    plan: DownPlan | None = None
    backup: object | None = None     # backup.BackupResult
    result: DownResult | None = None
    verified: bool = False
    dry_run: bool = False
    rehearsal: object | None = None      # checks.rehearsal.Rehearsal
    backup_proof: str | None = None      # what pg_restore --list proved about the backup
    verification: object | None = None   # checks.verify.Verification

    def as_dict(self, project) -> dict:
        return {"dry_run": self.dry_run, **(self.plan.as_dict() if self.plan else {}),
                "rehearsal": self.rehearsal.as_dict() if self.rehearsal else None,
                "backup": self.backup.as_dict(project) if self.backup else None,
                "backup_proof": self.backup_proof,
                "rolled_back": [{"version": s.version, "seconds": round(t, 3)} for s, t in self.result.done]
                if self.result else [],
                "verification": self.verification.as_dict() if self.verification else None,
                "incident_record": project.relative(self.record.path) if self.record else None}


class RecordingReporter(Reporter):
    """Progress of run_down, printed and written to the incident record (one step per down file)."""

    def __init__(self, record: IncidentRecord, say: Callable[[str], None]):
        self.record, self.say = record, say

    def note(self, message: str) -> None:
        self.say(f"  … {message}")

    def started(self, step: DownStep) -> None:
        self.say(f"  rolling back {step.title} ({step.label}) …")
        self.record.begin(f"down:{step.version}", f"Roll back {step.title}")

    def finished(self, step: DownStep, seconds: float) -> None:
        self.say(f"  rolled back {step.title} in {seconds:.2f}s")
        self.record.finish(f"down:{step.version}", "ok",
                           f"{step.label}: {len(step.statements)} statement(s) and the history row, "
                           f"one transaction, {seconds:.2f}s")

    def failed(self, step: DownStep, error: Exception) -> None:
        self.record.finish(f"down:{step.version}", "failed",
                           f"{error}\ntransaction rolled back: {step.version} is still applied")


def open_record(target: Target, ctx: audit.AuditContext) -> IncidentRecord:
    return IncidentRecord.open_new(
        incidents_dir(target.project, target.profile.values), "rollback", target.name,
        f"Incident record: rollback of {target.name}",
        {"Target": f"{target.db.display()} (database {target.db.database})", "Operator": ctx.actor,
         "Tool": ctx.tool_version + (f", git {ctx.git_commit[:12]}" if ctx.git_commit else ""),
         "Audit batch": ctx.batch_id})


def incident_rollback(target: Target, consent, *, say: Callable[[str], None], batch: str | None = None,
                      to=None, last=None, dry_run: bool = False, take_backup: bool = True,
                      ask: Callable[[str], str] | None = None, interactive: bool | None = None,
                      rehearse: bool | None = None, verify: bool = True) -> IncidentOutcome:
    """db.rollback: show, propose, rehearse, confirm, back up, roll back, verify — every step in an incident
    record. `rehearse` None: rehearse on protected profiles (and not in a dry run)."""
    from ..checks.verify import VerificationFailed  # checks/: the rehearsal and the verification (lazy)

    require_backup(target, take_backup, "db.rollback")
    ctx = audit.AuditContext(target.name, target.project.root)
    record = None if dry_run else open_record(target, ctx)
    if record:
        say(f"Incident record: {target.project.relative(record.path)} (every step is written there as it happens)")
    outcome = IncidentOutcome(record, dry_run=dry_run)
    try:
        _run_steps(target, consent, outcome, ctx, say, batch=batch, to=to, last=last, take_backup=take_backup,
                   ask=ask, interactive=interactive, rehearse=rehearse, verify=verify)
    except VerificationFailed as exc:
        if record:
            record.close("rolled back — but the schema " + ("differs from the migration files" if exc.verification
                                                           else "could not be verified") + " (see the verification)")
        raise
    except Refused:
        if record:
            if outcome.plan is not None and outcome.plan.blocked:
                record.note(f"No down file for part of the range: {PITR_HINT.format(env=target.name)}")
            record.close("refused — nothing was changed")
        raise
    except SupatasksError as exc:
        if record:
            changed = outcome.result is not None or isinstance(exc, DownFailed) and exc.result.done
            record.close("FAILED — " + ("some migrations were rolled back, see the steps" if changed
                                        else "nothing was changed"))
        raise
    except BaseException:
        if record and not record.closed:
            record.close("FAILED — see the steps for what was done")
        raise
    if record:
        record.close("rolled back")
    return outcome


def _run_steps(target: Target, consent, outcome: IncidentOutcome, ctx: audit.AuditContext,
               say: Callable[[str], None], *, batch, to, last, take_backup: bool, ask, interactive,
               rehearse: bool | None, verify: bool) -> None:
    """The steps of db.rollback in order, each one recorded (a dry run stops after the plan)."""
    from ..checks.rehearsal import RehearsalFailed
    from ..confirmation import confirm_write
    from ..migrations.exec import reload_schema
    from ..migrations.up import migration_status
    from . import backup as backups

    project = target.project
    record = outcome.record
    steps = record or Unrecorded()
    with ExitStack() as connection:
        with steps.step("audit", "Read what was applied recently (audit log)") as step:
            conn = connection.enter_context(target.connect())
            rows = audit.read_audit(conn)
            applied = [r.version for r in history.read_history(conn)]
            batches = applied_batches(rows, set(applied))
            say(f"\nRecently applied to {target.describe()} (from its audit log, newest first):")
            for b in batches[:5]:
                say(f"  {b.describe()}")
            if not batches:
                say("  (no migration applied by supatasks is recorded here)")
            step.done(f"{len(batches)} applying run(s) recorded; {len(applied)} migration(s) applied now"
                      + (f"; newest run: batch {batches[0].short} by {batches[0].actor} at "
                         f"{stamp(batches[0].started_at)}" if batches else ""))

        with steps.step("target", "Choose what to undo") as step:
            versions, reason = propose_versions(batches, applied, batch=batch, to=to, last=last)
            say(f"\nProposed: {reason}.")
            step.done(f"{reason}: {', '.join(versions)}")

        with steps.step("plan", "Check that every migration in the range has a down file") as step:
            plan = outcome.plan = plan_versions(target, conn, versions)
            say(plan.summary())
            plan.require_runnable()
            step.done(f"{len(plan.steps)} down file(s) ready; afterwards the newest applied will be "
                      f"{plan.newest_after or 'none'}")
        with steps.step("at-risk", "Measure the data at risk on the target") as step:
            phrase = plan.at_risk.phrase() if plan.at_risk else None
            step.done("\n".join(plan.at_risk.lines()) if plan.at_risk else "not measured")
            if record:
                record.set_fact("Data at risk", phrase or "none")
    if rehearse is None:
        rehearse = target.profile.protected and record is not None
    if rehearse:
        with steps.step("rehearse", "Rehearse the down files on a copy of the target's schema") as step:
            say("\nRehearsing on a copy of the target's schema (pg_dump --schema-only, no data) …")
            try:
                outcome.rehearsal = rehearse_down(plan, say)
            except RehearsalFailed as exc:
                outcome.rehearsal = exc.rehearsal
                for line in exc.rehearsal.lines():
                    say(f"  {line}")
                raise
            for line in outcome.rehearsal.lines():
                say(f"  {line}")
            step.done("\n".join(outcome.rehearsal.lines()))
    elif record is not None:
        why = "--no-rehearse given" if target.profile.protected else "not asked (--rehearse rehearses)"
        record.add("rehearse", "Rehearse the down files on a copy of the target's schema", "skipped", why)
    if record is None:
        say("\ndry run: nothing was changed (no backup, no incident record)")
        return

    with record.step("confirm", "Confirm") as step:
        confirm_write(target.profile, f"\nAbout to: back up {target.db.database}, then roll back "
                      f"{len(plan.steps)} migration(s) on {target.name}"
                      + (f" — {phrase}." if phrase else "."), consent, say=say, ask=ask,
                      interactive=interactive, at_risk=phrase)
        if target.profile.is_local and not target.profile.protected:
            step.done("no confirmation needed (local profile)")
        else:
            step.done("confirmed" + (" (--confirm given)" if getattr(consent, "confirm", None) else
                                     " (--yes given)" if getattr(consent, "yes", False) else " at the prompt"))

    if take_backup:
        with record.step("backup", "Back up the database before changing it") as step:
            say("\nBacking up first (pg_dump, custom format) …")
            result = outcome.backup = backups.take_backup(target, label="before-rollback", batch=ctx,
                                                          details={"incident": project.relative(record.path)})
            record.set_fact("Backup", f"{project.relative(result.path)} — restore with "
                                      f"`inv db.restore {project.relative(result.path)} --env={target.name}`")
            say(f"  backup written: {result.describe(project)}")
            step.done(result.describe(project))
        with record.step("backup-proof", "Prove the backup usable before the first destructive step") as step:
            proof = outcome.backup_proof = backups.prove_backup(result.path, plan.at_risk.tables if plan.at_risk
                                                                else [])
            record.set_fact("Backup proven", proof)
            say(f"  backup proven: {proof}")
            step.done(proof)
    else:
        record.add("backup", "Back up the database before changing it", "skipped", "--no-backup given")

    say("\nRolling back …")  # each down file is a step of its own (RecordingReporter)
    details = {"incident": project.relative(record.path),
               "backup": project.relative(outcome.backup.path) if outcome.backup else None,
               "data_at_risk": phrase,
               "rehearsal": outcome.rehearsal.summary() if outcome.rehearsal else "skipped"
               + (" (--no-rehearse)" if rehearse is False and target.profile.protected else "")}
    try:
        outcome.result = run_down(plan, RecordingReporter(record, say), ctx, details)
    except Refused as exc:
        record.finish("rolling back", REFUSED, str(exc))
        raise
    except SupatasksError:
        raise
    except BaseException as exc:
        record.note(f"stopped while rolling back: {interruption(exc)}")
        raise

    with record.step("verify", "Verify the history matches the target") as step:
        status = migration_status(target)
        with target.connect() as conn:
            now_applied = [r.version for r in history.read_history(conn)]
        states = {r.version: r.state for r in status.rows}
        wrong = [v for v in plan.versions if states.get(v) not in (None, "pending")]
        if now_applied != plan.remaining or wrong:
            raise SupatasksError(f"verification failed: history is {now_applied[-5:]} but should end with "
                                 f"{plan.remaining[-5:]}; still applied: {', '.join(wrong) or '-'}")
        outcome.verified = True
        message = (f"history matches: newest applied is {plan.newest_after or 'none'}; "
                   f"{', '.join(plan.versions)} now pending")
        say(f"  {message}")
        step.done(message)

    with record.step("reload", "Ask PostgREST to reload its schema cache") as step:
        reload_schema(target)
        step.done("NOTIFY pgrst, 'reload schema' sent")

    if not verify:
        record.add("verify-schema", "Compare the schema with the migration files at the new head", "skipped",
                   "--no-verify given")
        return
    with record.step("verify-schema", "Compare the schema with the migration files at the new head") as step:
        from ..checks.verify import require_verified, verify_after

        say("\nVerifying the schema against the migration files up to "
            f"{plan.newest_after or 'none'} (a shadow on the local server) …")
        verification = outcome.verification = verify_after(target, plan.newest_after, "the rollback", say)
        for line in verification.lines():
            say(f"  {line}")
        record.set_fact("Schema verification", verification.summary())
        if verification.differences:
            step.done("\n".join(verification.lines(limit=50)), status=FAILED)
        else:
            step.done(verification.summary())
    require_verified(verification, target)
