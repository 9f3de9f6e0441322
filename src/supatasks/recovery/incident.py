"""Incident records: a timestamped Markdown file listing every step of a recovery, its time and outcome.

The record is rewritten after every step, so an interrupted run still leaves an accurate account. Its
machine-readable state sits in a fenced JSON block at the end of the file; `load` reads it back, which is
how `db.pitr` resumes a checklist after an interruption.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ConfigError, Refused, SupatasksError
from ..project import Project

DEFAULT_DIR = "incidents"
ENV_VAR = "SUPATASKS_INCIDENTS_DIR"
STATE_MARKER = "<!-- supatasks incident state: `inv db.pitr` resumes from the JSON block below; keep it -->"
_STATE_BLOCK = re.compile(re.escape(STATE_MARKER) + r"\s*```json\n(.*?)\n```", re.S)

PENDING, OK, FAILED, SKIPPED, REFUSED = "pending", "ok", "failed", "skipped", "refused"
_BOXES = {PENDING: "[ ]", OK: "[x]", FAILED: "[!]", SKIPPED: "[-]", REFUSED: "[!]"}


def incidents_dir(project: Project, values: dict[str, str] | None = None) -> Path:
    """$SUPATASKS_INCIDENTS_DIR (from the profile's settings or the environment), else <project>/incidents."""
    configured = (values or {}).get(ENV_VAR) or os.environ.get(ENV_VAR)
    folder = Path(configured) if configured else Path(DEFAULT_DIR)
    return folder if folder.is_absolute() else project.root / folder


def stamp(moment: datetime | None) -> str:
    """`2026-03-01 12:06:00Z (local 13:06:00 CET)`: UTC first, then the reader's own clock."""
    if moment is None:
        return "—"
    moment = moment.astimezone(timezone.utc)
    local = moment.astimezone()
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')}Z (local {local.strftime('%Y-%m-%d %H:%M:%S %Z')})"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Step:
    key: str
    title: str
    status: str = PENDING
    started_at: str | None = None
    finished_at: str | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StepResult:
    """What the body of `IncidentRecord.step` reports."""
    status: str = OK
    detail: str = ""

    def done(self, detail: str, status: str = OK) -> None:
        self.detail, self.status = detail, status


class Unrecorded:
    """Stands in for an IncidentRecord where nothing is recorded (a dry run): steps run, nothing is written."""

    @contextmanager
    def step(self, key: str, title: str):
        yield StepResult()


def interruption(exc: BaseException) -> str:
    """How an unexpected error or Ctrl-C is written down."""
    return "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"


class IncidentRecord:
    """One incident (a rollback, a PITR checklist, …) and the file that records it."""

    def __init__(self, path: Path, state: dict):
        self.path = path
        self.state = state
        self.steps = [Step(**s) for s in state.pop("steps", [])]

    # -- creating and loading ------------------------------------------------
    @classmethod
    def open_new(cls, folder: Path, kind: str, env: str, title: str, facts: dict | None = None,
                 steps: list[tuple[str, str]] | None = None) -> "IncidentRecord":
        opened = now()
        folder.mkdir(parents=True, exist_ok=True)
        base = f"{opened.strftime('%Y%m%dT%H%M%SZ')}-{kind}-{env}"
        path = folder / f"{base}.md"
        counter = 2
        while path.exists():
            path = folder / f"{base}-{counter}.md"
            counter += 1
        state = {"kind": kind, "env": env, "title": title, "opened_at": iso(opened), "closed_at": None,
                 "outcome": None, "facts": dict(facts or {}), "notes": [],
                 "steps": [Step(k, t).as_dict() for k, t in (steps or [])]}
        record = cls(path, state)
        record.save()
        return record

    @classmethod
    def load(cls, path: Path) -> "IncidentRecord":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the incident record ({exc.strerror})") from None
        match = _STATE_BLOCK.search(text)
        if not match:
            raise ConfigError(f"{path}: no supatasks state block found; it is not a record supatasks wrote "
                              "(or the block at its end was edited away)")
        try:
            state = json.loads(match.group(1))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: the state block is not valid JSON ({exc})") from None
        return cls(path, state)

    @staticmethod
    def find_open(folder: Path, kind: str, env: str) -> Path | None:
        """The newest record of `kind` for `env` that is not closed yet."""
        if not folder.is_dir():
            return None
        for path in sorted(folder.glob(f"*-{kind}-{env}*.md"), reverse=True):
            try:
                record = IncidentRecord.load(path)
            except ConfigError:
                continue
            if record.state.get("kind") == kind and record.state.get("env") == env and not record.closed:
                return path
        return None

    # -- state ---------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return bool(self.state.get("closed_at"))

    @property
    def facts(self) -> dict:
        return self.state.setdefault("facts", {})

    def set_fact(self, key: str, value) -> None:
        self.facts[key] = value
        self.save()

    def note(self, text: str) -> None:
        self.state.setdefault("notes", []).append(f"{iso(now())} {text}")
        self.save()

    def get(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def next_pending(self) -> Step | None:
        return next((s for s in self.steps if s.status == PENDING), None)

    def begin(self, key: str, title: str | None = None) -> Step:
        step = self.get(key)
        if step is None:
            step = Step(key, title or key)
            self.steps.append(step)
        elif title:
            step.title = title
        step.started_at = iso(now())
        step.finished_at = None
        step.status = PENDING
        self.save()
        return step

    def finish(self, key: str, status: str, detail: str = "") -> Step:
        step = self.get(key) or self.begin(key)
        step.status = status
        step.detail = detail
        step.started_at = step.started_at or iso(now())
        step.finished_at = iso(now())
        self.save()
        return step

    def add(self, key: str, title: str, status: str, detail: str = "") -> Step:
        """A step that happened at once (begin and finish together)."""
        self.begin(key, title)
        return self.finish(key, status, detail)

    @contextmanager
    def step(self, key: str, title: str):
        """One step, begun now and finished when the block ends: with what the block gave `step.done(...)`,
        else `ok`; on an error as `refused` (Refused) or `failed`, and the error goes on."""
        self.begin(key, title)
        handle = StepResult()
        try:
            yield handle
        except Refused as exc:
            self.finish(key, REFUSED, str(exc))
            raise
        except SupatasksError as exc:
            self.finish(key, FAILED, str(exc))
            raise
        except BaseException as exc:  # a database error nobody anticipated, or Ctrl-C: still on record
            self.finish(key, FAILED, interruption(exc))
            raise
        self.finish(key, handle.status, handle.detail)

    def close(self, outcome: str) -> None:
        self.state["closed_at"] = iso(now())
        self.state["outcome"] = outcome
        self.save()

    # -- the file ------------------------------------------------------------
    def render(self) -> str:
        s = self.state
        status = "open" if not self.closed else f"closed — {s.get('outcome')}"
        lines = [f"# {s['title']}", "",
                 f"- **Profile:** {s['env']}",
                 f"- **Opened:** {stamp(parse_iso(s['opened_at']))}",
                 f"- **Status:** {status}"
                 + (f" at {stamp(parse_iso(s['closed_at']))}" if self.closed else "")]
        for key, value in self.facts.items():
            lines.append(f"- **{key}:** {value}")
        lines += ["", "## Steps", ""]
        for number, step in enumerate(self.steps, 1):
            when = ""
            if step.started_at:
                when = f" — {stamp(parse_iso(step.started_at))}"
                if step.finished_at and step.finished_at != step.started_at:
                    when += f" → {parse_iso(step.finished_at).strftime('%H:%M:%S')}Z"
            outcome = step.status.upper() if step.status in (FAILED, REFUSED) else step.status
            line = f"{number}. {_BOXES.get(step.status, '[ ]')} **{step.title}**{when} — {outcome}"
            if step.detail:
                detail_lines = step.detail.strip().splitlines()
                line += f": {detail_lines[0]}"
                line += "".join(f"\n   {extra}" for extra in detail_lines[1:])
            lines.append(line)
        notes = s.get("notes") or []
        if notes:
            lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
        state = {**s, "steps": [step.as_dict() for step in self.steps]}
        lines += ["", STATE_MARKER, "```json", json.dumps(state, indent=2, default=str), "```", ""]
        return "\n".join(lines)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(self.render(), encoding="utf-8")
        os.replace(partial, self.path)
