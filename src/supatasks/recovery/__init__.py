"""Rolling back and recovering: down files, the pushes read back from the audit log, the recorded incident
rollback, backups and restores, the PITR checklist. Imports migrations/ and server/; checks/ lazily, for the
data at risk, the rehearsal and the verification of a rollback.

- down.py (db.down), batches.py (applied pushes, shared with pitr), incident_rollback.py (db.rollback),
  incident.py (the incident record), backup.py (db.backup, db.restore), pitr.py (db.pitr)
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "down": ["plan_down", "run_down", "rehearse_down", "DownPlan", "DownFailed"],
    "batches": ["applied_batches", "propose_versions"],
    "incident_rollback": ["incident_rollback"],
    "incident": ["IncidentRecord", "incidents_dir"],
    "backup": ["take_backup", "restore_backup", "require_backup", "prove_backup"],
})
