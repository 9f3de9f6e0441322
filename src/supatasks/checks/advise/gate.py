"""db.push's advisor gate: does the push introduce an ERROR-level advisor finding?

Computed on a scratch database of the local server (the same one db.check uses), cloned from the Supabase
bootstrap template: the local files of the migrations already applied on the target are applied, the
advisors run (before), the pending migrations are applied, the advisors run again (after). ERROR findings in
`after` that `before` lacks refuse the push, unless --skip-advise; the audit row of the push records either.
The target itself is only read by the plan, never by this gate."""

from __future__ import annotations

import uuid

from ...errors import Refused, SupatasksError

SCRATCH_PREFIX = "supatasks_advise_"


def push_advise_gate(push, *, skip_advise: bool, dry_run: bool, say) -> dict:
    """Returns the audit details: {"advise": {...}}; raises Refused when the push would introduce ERRORs."""
    if not push.prepared:
        return {}
    if skip_advise:
        say("advisors skipped (--skip-advise); recorded in the audit log")
        return {"advise": {"skipped": True}}
    before, after, stopped = scratch_before_after(push, say)
    from .runner import introduced

    new = introduced(before, after)
    details = {"advise": {"skipped": False, "introduced_errors": len(new),
                          "errors_before": len(before.errors), "errors_after": len(after.errors),
                          "warnings_after": after.count("WARN")}}
    if stopped:
        details["advise"]["not_applied_locally"] = stopped
    for f in new:
        say(f"  advisor {f.level} {f.rule} ({f.category}): {f.detail} → {f.remedy}")
    say(f"advisors on the migrations to push (scratch database of the local server): {len(new)} new ERROR "
        f"finding(s); after them {after.summary()}")
    if new and not dry_run:
        raise Refused(f"the migrations to push introduce {len(new)} ERROR-level advisor finding(s) "
                      f"({', '.join(sorted({f.rule for f in new}))}): fix them (inv db.advise on a local reset "
                      "shows them), suppress them with a reason in supabase/supatasks.toml [[advise.ignore]], or "
                      "pass --skip-advise to push anyway (recorded in the audit log); nothing was changed")
    return details


def scratch_before_after(push, say):
    """(advisors on the applied state, advisors with the pending migrations, the file that stopped them)."""
    from ...migrations import history
    from ...migrations.executor import SessionSettings
    from ...migrations.files import scan_migrations
    from ...migrations.runner import apply_migrations, prepare
    from ...reset.reset import ensure_base_template, maintenance_database
    from ...server import database_admin as admin
    from ...target import scratch_target
    from .runner import advise, load_suppressions

    project = push.target.project
    suppressions = load_suppressions(project)
    label = project.relative(project.supabase_dir / "supatasks.toml")
    pending = {p.migration.version for p in push.prepared}
    skipped = {m.version for m in push.plan.out_of_order} - pending  # neither applied nor to be pushed
    applied = [m for m in scan_migrations(project).migrations if m.version not in pending | skipped]
    server = scratch_target(project, "the advisor gate of db.push (--skip-advise to push without it)")
    name = SCRATCH_PREFIX + uuid.uuid4().hex[:12]
    stopped = None
    with server.connect(database=maintenance_database(server.db.database)) as maint:
        base = ensure_base_template(server, maint, say)
        admin.clone_database(maint, base, name)
        try:
            with server.connect(database=name) as conn:
                history.ensure_history(conn)
                try:
                    apply_migrations(conn, [prepare(m, project.relative(m.path), local=True) for m in applied],
                                     SessionSettings())
                except SupatasksError as exc:
                    raise Refused(f"the advisor gate could not rebuild the applied migrations on a scratch "
                                  f"database of the local server ({str(exc).splitlines()[0]}); pass --skip-advise "
                                  "to push without the advisors (recorded in the audit log); nothing was changed"
                                  ) from None
                before = advise(conn, project.exposed_schemas, suppressions, label=label)
                try:  # one call: consecutive files go together in one round trip, as db.up sends them
                    apply_migrations(conn, [prepare(p.migration, p.label, local=True) for p in push.prepared],
                                     SessionSettings())
                except SupatasksError as exc:
                    done = {row.version for row in history.read_history(conn)}
                    stopped = next((p.label for p in push.prepared if p.migration.version not in done), None)
                    say(f"advisors: {stopped} does not apply on a scratch database of the local server "
                        f"({str(exc).splitlines()[0]}); the advisors cover the migrations before it")
                after = advise(conn, project.exposed_schemas, suppressions, label=label)
        finally:
            admin.drop_database(maint, name)
    return before, after, stopped
