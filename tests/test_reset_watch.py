"""db.watch: the real file watcher (watchfiles) on real files, applying to a real server.

The loop runs in a thread of the test (reset.watch.watch, the function the task calls), its results go to a
queue; the last test runs the task itself and stops it with Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import threading

import pytest

from support import applied_versions, make_project, query, spawn
from support.reliability import wait_until

NOTES = "CREATE TABLE public.notes (id bigserial PRIMARY KEY, body text NOT NULL);\n"
TAGS = "CREATE TABLE public.tags (id bigserial PRIMARY KEY,\n  label text NOT NULL);\n"
SEED = "INSERT INTO public.notes (body) VALUES ('seeded note');\nINSERT INTO public.tags (label) VALUES ('seeded');\n"
V1, V2 = "20260101000001", "20260101000002"
WAIT = 60  # seconds for one save to come back (a loaded machine; no timing is asserted)


class Running:
    """The watch loop in a thread; `next()` is the next save's result."""

    def __init__(self, root, since=None):
        from supatasks.project import find_project
        from supatasks.reset.watch import Watcher
        from supatasks.target import open_target

        self.results: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.failure: list[BaseException] = []
        self.watcher = Watcher(open_target(find_project(root), warn=lambda message: None), since=since)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        from supatasks.reset.watch import watch

        try:
            watch(self.watcher, self.results.put, stop_event=self.stop, on_ready=self.ready.set)
        except BaseException as exc:  # reported by next()/close()
            self.failure.append(exc)
            self.ready.set()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(WAIT) and not self.failure, self.failure
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()
        assert not self.failure, self.failure

    def next(self):
        try:
            return self.results.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no result within {WAIT}s (failure: {self.failure})") from None

    def none_within(self, seconds: float) -> bool:
        try:
            extra = self.results.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError(f"an unexpected extra result: {extra.line}")


@pytest.fixture
def project(tmp_path, db_url):
    make_project(tmp_path, {f"{V1}_notes.sql": NOTES, f"{V2}_tags.sql": TAGS}, seed=SEED,
                 rollbacks={f"{V2}_tags.down.sql": "DROP TABLE public.tags;\n"})
    (tmp_path / ".env").write_text(f"SUPABASE_DB_URL={db_url}\n")
    return tmp_path


def migration(root, name: str):
    return root / "supabase" / "migrations" / name


def editor_save(path, text: str) -> None:
    """What many editors do: write a temporary file next to it, then rename it over the original."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def columns(url: str, table: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                     "'public' AND table_name = %s ORDER BY ordinal_position", (table,))]


def test_an_edited_newest_migration_and_the_seeds_are_applied_on_save(project, db_url):
    with Running(project) as running:
        first = running.next()
        assert first.ok and first.full and first.full.startswith("first run"), first.line
        assert applied_versions(db_url) == [V1, V2]
        query(db_url, "INSERT INTO public.notes (body) VALUES ('scratch')")

        editor_save(migration(project, f"{V2}_tags.sql"), TAGS.replace("label text NOT NULL", "label text, colour text"))
        save = running.next()
        assert save.ok, save.line
        assert save.full is None and save.applied == [f"{V2}_tags.sql"] and save.seeds == ["supabase/seed.sql"]
        assert save.line.startswith(f"applied {V2}_tags.sql, supabase/seed.sql in ")
        assert columns(db_url, "tags") == ["id", "label", "colour"]
        assert query(db_url, "SELECT body FROM public.notes ORDER BY id") == [("seeded note",)]
        assert query(db_url, "SELECT label FROM public.tags") == [("seeded",)]
        assert applied_versions(db_url) == [V1, V2]

        # a migration created while watching is local work too
        migration(project, "20260101000003_pins.sql").write_text("CREATE TABLE public.pins (id int);\n")
        save = running.next()
        assert save.ok and save.full is None and save.applied == [f"{V2}_tags.sql", "20260101000003_pins.sql"]
        assert applied_versions(db_url) == [V1, V2, "20260101000003"]
    # the down SQL db.sync needs is recorded for the work applied on save
    assert query(db_url, "SELECT down_sql FROM supabase_migrations.supatasks_downs WHERE version = %s",
                 (V2,)) == [("DROP TABLE public.tags;\n",)]


def test_a_broken_save_reports_file_and_line_and_the_next_good_save_recovers(project, db_url):
    with Running(project) as running:
        assert running.next().ok
        editor_save(migration(project, f"{V2}_tags.sql"), TAGS.replace("label text NOT NULL", "label txet NOT NULL"))
        broken = running.next()
        assert not broken.ok
        assert broken.error.startswith(f"supabase/migrations/{V2}_tags.sql:2: ERROR 42704"), broken.error
        assert "the database stays at the last good state" in broken.line
        # the last good state: the tables, the seed rows, the history as before the broken save
        assert columns(db_url, "tags") == ["id", "label"]
        assert query(db_url, "SELECT label FROM public.tags") == [("seeded",)]
        assert applied_versions(db_url) == [V1, V2]

        editor_save(migration(project, f"{V2}_tags.sql"), TAGS.replace("label text NOT NULL", "label text, done bool"))
        fixed = running.next()
        assert fixed.ok and fixed.full is None, fixed.line
        assert columns(db_url, "tags") == ["id", "label", "done"]
        assert query(db_url, "SELECT label FROM public.tags") == [("seeded",)]


def test_an_edit_to_an_older_migration_takes_the_full_reset_path_and_says_why(project, db_url):
    with Running(project) as running:
        assert running.next().ok
        editor_save(migration(project, f"{V1}_notes.sql"), NOTES.replace("body text NOT NULL", "body text, pinned bool"))
        save = running.next()
        assert save.ok, save.line
        assert save.full and f"{V1}_notes.sql changed" in save.full and "possibly pushed already" in save.full
        assert save.line.startswith("full reset (") and "1 migration(s) rebuilt" in save.line
        assert columns(db_url, "notes") == ["id", "body", "pinned"]
        assert query(db_url, "SELECT body FROM public.notes") == [("seeded note",)]

        # the rebuilt template serves the next save of the newest migration again
        editor_save(migration(project, f"{V2}_tags.sql"), TAGS + "CREATE INDEX ON public.tags (label);\n")
        save = running.next()
        assert save.ok and save.full is None, save.line


def test_editor_style_save_sequences_apply_once(project, db_url):
    path = migration(project, f"{V2}_tags.sql")
    with Running(project) as running:
        assert running.next().ok
        # an editor's save: truncate + write in place, then a backup-and-rename, all within milliseconds
        path.write_text("")
        path.write_text(TAGS.replace("label text NOT NULL", "label text"))
        editor_save(path, TAGS.replace("label text NOT NULL", "label text, once int"))
        (path.parent / f"{path.name}~").write_text("an editor backup")  # ignored: not a migration file
        save = running.next()
        assert save.ok and save.applied == [f"{V2}_tags.sql"], save.line
        assert running.none_within(1.5)
        assert columns(db_url, "tags") == ["id", "label", "once"]
        # a save that changes nothing (touch, or the same text written again) applies nothing
        os.utime(path)
        path.write_text(path.read_text())
        assert running.none_within(1.5)


def test_the_task_stops_on_ctrl_c_and_leaves_the_database_consistent(project, db_url):
    child = spawn(["db.watch"], project)
    try:
        line = child.stderr.readline()
        assert "watching supabase/" in line and "Ctrl-C to stop" in line, line
        wait_until(lambda: applied_versions(db_url) == [V1, V2], 30, what="the first apply")
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=WAIT)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, stderr
    assert "stopped: the database is at the last good state" in stderr and "Traceback" not in stderr
    assert "applied" in stdout
    assert applied_versions(db_url) == [V1, V2]
    assert query(db_url, "SELECT label FROM public.tags") == [("seeded",)]


def test_a_save_right_after_the_first_run_is_not_lost(project, db_url):
    # The watcher is armed only after the first run: a save in between must still be applied.
    running = Running(project)
    running.thread.start()
    try:
        assert running.next().ok
        editor_save(migration(project, f"{V2}_tags.sql"), TAGS.replace("label text NOT NULL", "label text, early int"))
        save = running.next()
        assert save.ok and save.applied == [f"{V2}_tags.sql"], save.line
        assert columns(db_url, "tags") == ["id", "label", "early"]
    finally:
        running.__exit__(None, None, None)
