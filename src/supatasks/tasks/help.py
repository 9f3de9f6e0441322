"""The help of options several tasks share, worded once."""

ENV_HELP = "Profile to use: local, staging, production, … (default: $SUPATASKS_ENV, else local)."
JSON_HELP = "Print machine-readable JSON on stdout instead of a table."
YES_HELP = "Consent without a terminal (not enough for protected profiles such as production)."
CONFIRM_HELP = "For protected profiles: the project ref (or profile name), as consent without a terminal."
SKIP_LINT_HELP = "Push even though db.lint finds errors in the files to push (recorded in the audit log)."
SKIP_ADVISE_HELP = ("Push even though the pending migrations introduce ERROR-level advisor findings "
                    "(db.advise on a scratch database of the local server; recorded in the audit log).")
DRY_RUN_HELP = "Show the plan; change nothing."
INCLUDE_ALL_HELP = "Also apply local files older than the newest applied migration."
NO_BACKUP_HELP = "Skip the backup taken first (refused for protected profiles such as production)."
REHEARSE_HELP = ("Run the planned files first on a copy of the target's schema on the local server (pg_dump "
                 "--schema-only, no data); nothing runs on the target if one fails.")
VERIFY_HELP = ("Afterwards, compare the target's schema with the migration files up to its new head (a shadow on "
               "the local server); differences exit 1.")
