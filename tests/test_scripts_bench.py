"""scripts/bench.py: the --quick smoke run succeeds and writes every row and ratio (no timing assertions)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "bench.py"

SECTIONS = ["## Machine and versions", "## Results", "### Client CPU", "## Queries sent", "## Peak memory",
            "## Targets", "## What the floor is, and why"]
MACHINE = ["date", "cpu", "cores", "memory", "python", "supatasks", "postgresql", "psql", "supabase CLI"]
ROWS = [
    "supatasks db.up (empty database)",
    "supabase migration up --db-url (empty database)",
    "psql -1 -f all.sql (empty database)",
    "database re-creation (psql: DROP DATABASE + CREATE DATABASE … TEMPLATE)",
    "psql -1 -f all.sql -f seed.sql (empty database)",
    "supatasks db.reset, cold (a file changed)",
    "supatasks db.reset --no-cache",
    "supatasks db.reset, warm (nothing changed)",
    "supabase db reset --db-url",
    "supatasks db.status (N applied)",
    "supatasks db.push --env=staging --dry-run --json (N applied)",
    "inv --list (supatasks' tasks.py)",
    "inv --list (a tasks.py that only imports invoke)",
    "inv --help db.push (supatasks' tasks.py)",
    "inv --help hello (a tasks.py that only imports invoke)",
    "db.status (N applied)",
    "push planner (N applied)",
    "push planner (N pending)",
    "supatasks db.up |",
]
RATIOS = [
    "db.up vs psql -1 -f",
    "db.up vs supabase migration up",
    "warm db.reset vs supabase db reset",
    "cold db.reset (a file changed) vs psql -1 -f + database creation",
    "db.reset --no-cache vs psql -1 -f + database creation",
    "db.status time growth",
    "db.status queries",
    "push planner (db.push --dry-run) time growth",
    "push planner (db.push --dry-run) queries",
    "inv --list vs a bare invoke tasks.py",
    "inv --help db.push vs a bare invoke tasks.py",
    "db.up peak memory",
]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(REPO / "scripts"))
    return module


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("bench") / "bench.md"
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out.read_text()


def test_quick_run_writes_every_section_row_and_ratio(quick_report):
    for heading in SECTIONS:
        assert f"\n{heading}\n" in quick_report, heading
    for label in MACHINE:
        assert f"| {label} | " in quick_report, label
    for label in ROWS:
        assert f"| {label}" in quick_report, label
    targets = quick_report.split("## Targets", 1)[1].split("## What the floor", 1)[0]
    for label in RATIOS:
        rows = [line for line in targets.splitlines() if line.startswith(f"| {label}")]
        assert len(rows) == 1, label
        assert re.search(r"\| (\*\*met\*\*|\*\*missed\*\*|n/a) \|", rows[0]), rows[0]


def test_quick_run_counts_queries_and_memory(quick_report):
    queries = quick_report.split("## Queries sent", 1)[1].split("## Peak memory", 1)[0]
    for label in ("db.status (N applied)", "push planner (N applied)", "push planner (N pending)"):
        row = next(line for line in queries.splitlines() if line.startswith(f"| {label} |"))
        counts = [cell.strip() for cell in row.strip("|").split("|")[1:]]
        assert counts and all(c.isdigit() and int(c) > 0 for c in counts), row
    memory = quick_report.split("## Peak memory", 1)[1].split("## Targets", 1)[0]
    row = next(line for line in memory.splitlines() if line.startswith("| supatasks db.up |"))
    assert all(re.fullmatch(r"\d+\.\d", c.strip()) for c in row.strip("|").split("|")[1:]), row


def test_quick_never_writes_the_docs_by_default():
    bench = load("bench")
    args = bench.parse_args(["--quick"])
    path = bench.output_path(args)
    try:
        assert path != REPO / "docs" / "benchmarks.md"
        assert args.sizes == bench.QUICK_SIZES and args.repeat == 1
    finally:
        path.unlink(missing_ok=True)
    assert bench.output_path(bench.parse_args([])) == REPO / "docs" / "benchmarks.md"
    assert bench.output_path(bench.parse_args(["--quick", "--out", "x.md"])) == Path("x.md")


def test_corpus_is_valid_and_sized(tmp_path):
    corpus = load("bench_corpus")
    root = corpus.write_project(tmp_path, 30)
    files = sorted((root / "supabase" / "migrations").iterdir())
    assert len(files) == 30
    versions = [re.match(r"^([0-9]+)_(.*)\.sql$", f.name).group(1) for f in files]
    assert versions == sorted(versions) == [corpus.version(i) for i in range(1, 31)]
    assert (root / "supabase" / "config.toml").is_file() and (root / "supabase" / "seed.sql").is_file()
    assert "BEGIN;" in files[24].read_text()  # every 25th file carries its own transaction
    assert all(line.strip() not in ("BEGIN;", "COMMIT;") for line in corpus.floor_sql(30).splitlines())
    assert corpus.expected_counts(30)["tables"] == 30


def test_bench_advise_runs_every_measurement():
    """scripts/bench_advise.py: db.advise on the example project and a corpus, and the push gate, all succeed."""
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_advise.py"), "--sizes", "5",
                             "--repeat", "1"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split(" | ")[0] for r in rows] == [
        "| `db.advise` on the example project", "| `db.advise` on the 5-migration corpus",
        "| `db.push --env=staging --dry-run --skip-lint` with the advisor gate",
        "| `db.push --env=staging --dry-run --skip-lint` --skip-advise",
        "| the advisor gate itself (difference of the medians)"]
    assert "0 error(s), 0 warning(s), 0 info, 6 suppressed" in rows[0]
