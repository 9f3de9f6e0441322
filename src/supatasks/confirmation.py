"""The confirmation policy, in one place: who must agree, and how, before a write happens.

- local: no prompt (a development database);
- other profiles: `[y/N]` on a terminal, or --yes;
- protected profiles (production): type the project ref (or the profile name) on a terminal, or pass
  --confirm=<ref>; --yes is never enough;
- no terminal and no consent: refuse, change nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from .errors import Refused
from .profiles import Profile


@dataclass(frozen=True)
class Consent:
    yes: bool = False
    confirm: str | None = None


def expected_answer(profile: Profile) -> str:
    """What a person must type (or pass as --confirm) for a protected profile."""
    return profile.project_ref or profile.name


def is_interactive() -> bool:
    return sys.stdin.isatty()


def confirm_write(profile: Profile, summary: str, consent: Consent, *,
                  say: Callable[[str], None] | None = None, ask: Callable[[str], str] | None = None,
                  interactive: bool | None = None, at_risk: str | None = None) -> None:
    """Return if the write may go ahead; raise Refused (nothing changed) otherwise.

    `summary` says exactly what will happen; it is shown before any question. `at_risk` names the rows the
    write destroys ("drop 3 tables holding 48,210 rows"): the question then says so."""
    say = say or (lambda text: print(text, flush=True))
    ask = ask or _ask
    interactive = is_interactive() if interactive is None else interactive
    if profile.is_local and not profile.protected:
        return
    say(summary)
    if profile.protected:
        expected = expected_answer(profile)
        if consent.confirm is not None:
            if consent.confirm != expected:
                raise Refused(f"--confirm={consent.confirm!r} does not match profile {profile.name} "
                              f"(expected its project ref); nothing was changed")
            return
        if not interactive:
            raise Refused(f"profile {profile.name} is protected: without a terminal, pass "
                          f"--confirm=<project ref> (--yes is not enough)"
                          + (f" to {at_risk}" if at_risk else "") + "; nothing was changed")
        answer = ask(f"Type {expected!r} to {at_risk} on {profile.name}: " if at_risk
                     else f"Type {expected!r} to confirm the write to {profile.name}: ")
        if answer.strip() != expected:
            raise Refused("confirmation did not match; nothing was changed")
        return
    if consent.yes:
        return
    if not interactive:
        raise Refused(f"no terminal to confirm the write to {profile.name}: pass --yes; nothing was changed")
    answer = ask(f"{at_risk[0].upper() + at_risk[1:]} on {profile.name}? [y/N] " if at_risk
                 else f"Apply to {profile.name}? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise Refused("not confirmed; nothing was changed")


def _ask(question: str) -> str:
    try:
        return input(question)
    except EOFError:
        return ""
