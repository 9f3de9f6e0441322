"""`db.advise`: Supabase's Security and Performance Advisors as read-only catalog queries, on any profile, in
db.check and in the push gate.

- runner.py (the rule and finding model, the read-only runner, [[advise.ignore]] suppressions),
  security.py and performance.py (the rules, by category), gate.py (db.push: ERROR findings the pending
  migrations introduce, computed on a scratch database of the local server)
"""

from ...lazy import exports
from .performance import RULES as _PERFORMANCE
from .security import RULES as _SECURITY

RULES = {rule.name: rule for rule in _SECURITY + _PERFORMANCE}

__getattr__, __dir__, _names = exports(__name__, {
    "runner": ["advise", "advise_project", "run_advise", "introduced", "load_suppressions", "Finding",
               "AdviseReport"],
    "gate": ["push_advise_gate"],
})
__all__ = [*_names, "RULES"]
