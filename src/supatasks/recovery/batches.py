"""The runs that applied migrations (a push, an up), read back from the audit log: what `db.rollback`
proposes to undo and what `db.pitr` restores to before."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from ..errors import ConfigError, Refused
from .down import select_versions


@dataclass
class AppliedBatch:
    """One run that applied migrations (a push, an up), as the audit log tells it."""

    batch_id: str
    actor: str
    started_at: datetime
    finished_at: datetime
    versions: list[tuple[str, str | None]]   # in the order applied
    live: list[str]                          # versions whose current application is this batch's
    engine: str | None = None

    @property
    def short(self) -> str:
        return self.batch_id[:8]

    def describe(self) -> str:
        from .incident import stamp

        names = ", ".join(f"{v} {n or ''}".strip() for v, n in self.versions)
        if not self.live:
            state = "rolled back"
        elif len(self.live) == len(self.versions):
            state = "applied"
        else:
            state = f"{len(self.live)} of {len(self.versions)} still applied"
        return (f"batch {self.short}  {stamp(self.started_at)}  by {self.actor}"
                f"{' (' + self.engine + ')' if self.engine else ''}  — {len(self.versions)} migration(s): "
                f"{names}  [{state}]")


def applied_batches(rows: list[dict], applied: set[str]) -> list[AppliedBatch]:
    """Group successful 'apply' audit rows by batch, newest batch first.

    A version applied, rolled back and applied again is live only in the batch of its latest application."""
    applies = sorted((r for r in rows if r["action"] == "apply" and r["outcome"] == "ok" and r["version"]),
                     key=lambda r: r["id"])
    latest: dict[str, str] = {}
    for r in applies:
        latest[r["version"]] = str(r["batch_id"])
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for r in applies:
        groups.setdefault(str(r["batch_id"]), []).append(r)
    batches = []
    for batch_id, items in groups.items():
        versions = [(r["version"], r["name"]) for r in items]
        live = [v for v, _ in versions if v in applied and latest.get(v) == batch_id]
        engine = (items[0].get("details") or {}).get("engine")
        batches.append(AppliedBatch(batch_id, items[0]["actor"], min(r["started_at"] for r in items),
                                    max(r["finished_at"] for r in items), versions, live, engine))
    batches.sort(key=lambda b: b.started_at, reverse=True)
    return batches


def find_batch(batches: list[AppliedBatch], prefix: str) -> AppliedBatch:
    matches = [b for b in batches if b.batch_id.startswith(prefix.strip().lower())]
    if not matches:
        raise ConfigError(f"--batch={prefix}: no batch with that id applied migrations here "
                          "(see the list above, or `inv db.history`)")
    if len(matches) > 1:
        raise ConfigError(f"--batch={prefix} matches {len(matches)} batches; give more characters")
    return matches[0]


def propose_versions(batches: list[AppliedBatch], applied: list[str], *, batch: str | None = None,
                     to=None, last=None) -> tuple[list[str], str]:
    """The versions to undo (newest first) and why. Default: the most recent batch still applied."""
    if to is not None or last is not None:
        if batch:
            raise ConfigError("choose one of --batch, --to and --last")
        versions = select_versions(applied, last, to)
        how = f"--to={to}" if to is not None else f"--last={last}"
        return versions, f"as asked ({how})"
    if batch:
        chosen = find_batch(batches, batch)
        if not chosen.live:
            raise Refused(f"nothing applied by batch {chosen.short} is still applied; nothing was changed")
        reason = f"undo batch {chosen.short} (as asked)"
    else:
        chosen = next((b for b in batches if b.live), None)
        if chosen is None:
            shown = ", ".join(applied[-5:]) or "none"
            raise Refused("the audit log shows no push whose migrations are still applied (were they applied by "
                          f"another tool?). Applied versions, newest last: {shown}. Choose explicitly with "
                          "--last=N or --to=VERSION; nothing was changed")
        reason = f"undo the most recent push: batch {chosen.short} by {chosen.actor}"
    live = set(chosen.live)
    top = applied[-len(live):]
    if set(top) != live:
        newer = [v for v in applied if v not in live and v > min(live)]
        raise Refused(f"the migrations of batch {chosen.short} ({', '.join(sorted(live))}) are not the newest "
                      f"applied ones: {', '.join(newer)} came after them from another run. Check the list above "
                      f"and choose explicitly with --to=VERSION; nothing was changed")
    return list(reversed(top)), reason
