"""Placeholder for the confirmation policy (issue 3): reset only the local database for now."""

from ..errors import Refused


def require_resettable(target) -> None:
    if not target.profile.is_local:
        raise Refused(f"reset of profile {target.name!r} is not supported yet; nothing was changed")
