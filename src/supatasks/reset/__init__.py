"""Resetting a database: the local reset from cached templates, the remote reset after consent, and the
spare copies a background process prepares. Imports migrations/, server/ and recovery/backup.py.

- reset.py (db.reset), lock.py (the reset's advisory locks), spares.py (run as `python -m supatasks.reset.spares`),
  shadow.py (shadow databases of the migrations, for db.diff, db.squash and anyone else),
  watch.py (db.watch: the loop re-applying the newest migrations on save)
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "reset": ["ResetResult", "reset_database", "reset_remote", "reset_profile", "require_resettable",
              "wait_for_background", "ensure_reset_cache"],
    "shadow": ["Shadow", "shadow_database"],
    "watch": ["Watcher", "SaveResult", "watch"],
})
