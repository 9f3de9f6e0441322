"""Who may reset which database, and what they must say first.

- local: no question (a development database);
- other profiles (staging): the `[y/N]` of the confirmation policy, or --yes;
- protected profiles (production): refused outright, unless BOTH the dedicated flag
  --i-know-this-destroys-production AND the typed project ref (or --confirm=<ref>) are given.
"""

from __future__ import annotations

from ..errors import Refused

DESTROY_FLAG = "--i-know-this-destroys-production"


def require_resettable(target, consent=None, *, destroy_production: bool = False, summary: str = "",
                       show=None, ask=None, interactive=None) -> None:
    """Return if the reset of `target` may go ahead; raise Refused (nothing changed) otherwise."""
    from ..confirmation import Consent, confirm_write

    profile = target.profile
    if profile.is_local and not profile.protected:
        return
    if profile.protected and not destroy_production:
        raise Refused(f"db.reset of protected profile {profile.name} is refused: it deletes every table and row. "
                      f"If that is really what you want, pass {DESTROY_FLAG} together with --confirm=<project ref> "
                      "(or type the ref when asked); nothing was changed")
    confirm_write(profile, summary or f"Reset {profile.name}", consent or Consent(), show=show, ask=ask,
                  interactive=interactive)
