"""The report of scripts/bench.py: ratios against the targets, the Markdown of docs/benchmarks.md and the
terminal table, from the numbers of a run (bench_harness.Results)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench_harness import CLI_KEYS, MAX_LOCKS, RATIO_SIZE, ROWS, Results, STARTUP_ROWS


@dataclass
class Ratio:
    key: str
    label: str
    value: float | None
    target: str
    met: bool | None
    detail: str = ""


def fmt_seconds(values: list[float] | None) -> str:
    if not values:
        return "n/a"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.3f}"
    return f"{med:.3f} ({min(values):.3f}–{max(values):.3f})"


def ratio_size(sizes: list[int]) -> int:
    """The size the db.up / reset ratios are taken at: 200, else the largest measured size below it."""
    below = [n for n in sizes if n <= RATIO_SIZE]
    return max(below) if below else min(sizes)


def ratios(res: Results) -> list[Ratio]:
    n = ratio_size(res.sizes)
    lo, hi = min(res.sizes), max(res.sizes)
    m = res.median
    out: list[Ratio] = []

    def add(key, label, num, den, limit, detail="", cli=False):
        if num is None or den is None or den == 0:
            why = "n/a (Supabase CLI not installed)" if cli and res.cli_missing else "n/a"
            out.append(Ratio(key, label, None, f"≤ {limit}", None, detail or why))
            return
        value = num / den
        out.append(Ratio(key, label, value, f"≤ {limit:g}", value <= limit, detail))

    add("up_vs_psql", f"db.up vs psql -1 -f (N={n})", m("up", n), m("psql", n), 1.15)
    add("up_vs_cli", f"db.up vs supabase migration up (N={n})", m("up", n), m("cli_up", n), 0.5, cli=True)
    add("warm_vs_cli_reset", f"warm db.reset vs supabase db reset (N={n})", m("reset_warm", n),
        m("cli_reset", n), 0.15, cli=True)
    floor = (m("psql_seed", n) + m("recreate", n)) if m("psql_seed", n) and m("recreate", n) else None
    add("cold_vs_floor", f"cold db.reset (a file changed) vs psql -1 -f + database creation (N={n})",
        m("reset_cold", n), floor, 1.2)
    add("nocache_vs_floor", f"db.reset --no-cache vs psql -1 -f + database creation (N={n})",
        m("reset_nocache", n), floor, 1.2)
    linear = hi / lo
    for key, label in (("status", "db.status"), ("push_plan", "push planner (db.push --dry-run)")):
        t_lo, t_hi = m(key, lo), m(key, hi)
        if hi == lo:
            out.append(Ratio(f"{key}_growth", f"{label} time growth", None, "linear", None,
                             "n/a (needs two sizes)"))
        elif t_lo and t_hi:
            per = (t_hi - t_lo) / (hi - lo) * 1000
            out.append(Ratio(f"{key}_growth", f"{label} time growth, N={lo} → {hi}", t_hi / t_lo,
                             f"≤ {linear:g} (linear)", t_hi / t_lo <= linear,
                             f"{per:.2f} ms per extra migration"))
        counts = [res.queries.get((key, size)) for size in res.sizes]
        if key == "push_plan":
            counts += [res.queries.get(("push_plan_pending", size)) for size in res.sizes]
        if all(c is not None for c in counts):
            constant = len(set(counts[:len(res.sizes)])) == 1 and len(set(counts[len(res.sizes):] or [0])) == 1
            shown = ", ".join(str(c) for c in counts[:len(res.sizes)])
            extra = (f"; with N pending: {', '.join(str(c) for c in counts[len(res.sizes):])}"
                     if key == "push_plan" else "")
            out.append(Ratio(f"{key}_queries", f"{label} queries, N={', '.join(map(str, res.sizes))}",
                             None, "constant in N", constant, shown + extra))
    out += inner_loop_ratios(res, add)
    for inv_key, bare_key, label, limit in (
            ("inv_list", "bare_list", "inv --list vs a bare invoke tasks.py", 1.05),
            ("inv_help_push", "bare_help", "inv --help db.push vs a bare invoke tasks.py", 1.5)):
        a, b = res.startup.get(inv_key), res.startup.get(bare_key)
        add(f"{inv_key}_startup", label, statistics.median(a) if a else None, statistics.median(b) if b else None,
            limit)
    rss_lo, rss_hi = res.rss.get(("up", lo)), res.rss.get(("up", hi))
    if hi == lo:
        rss_lo = rss_hi = None
    add("memory", f"db.up peak memory, N={hi} vs N={lo}", statistics.median(rss_hi) if rss_hi else None,
        statistics.median(rss_lo) if rss_lo else None, 1.5,
        detail=(f"{statistics.median(rss_hi) / 1024:.1f} MiB vs {statistics.median(rss_lo) / 1024:.1f} MiB"
                if rss_lo and rss_hi else ""))
    return out


def inner_loop_ratios(res: Results, add) -> list[Ratio]:
    """Issue #16's targets: the fixed cost and the warm reset against the floor row (a bare invoke task that
    imports psycopg, connects, runs select 1) at N=200 and at the largest size, db.watch's save latency."""
    n, hi = ratio_size(res.sizes), max(res.sizes)
    m = res.median
    for size in sorted({n, hi}):
        add(f"up_noop_vs_floor_{size}", f"db.up with nothing to do vs the floor (N={size})", m("up_noop", size),
            m("floor", size), 1.1)
        add(f"warm_vs_floor_{size}", f"warm db.reset vs the floor (N={size})", m("reset_warm", size),
            m("floor", size), 1.25)
    for size in res.sizes:
        values = res.times.get(("watch_save", size))
        add(f"watch_save_{size}", f"db.watch save → applied line, median seconds (N={size})",
            statistics.median(values) if values else None, 1.0, 0.1,
            detail=(f"spread {min(values):.3f}–{max(values):.3f} s over {len(values)} saves" if values else ""))
    return []


def inner_loop_markdown(res: Results, label: str = "") -> str:
    """The section of an --inner-loop run: its rows (seconds), the ratios to the floor, the start-up."""
    sizes = res.sizes
    title = "The inner loop (issue #16)" + (f" — {label}" if label else "")
    lines = [f"### {title}", "",
             f"`python scripts/bench.py{''.join(' ' + a for a in res.argv)}` — {res.environment.get('date', '')}, "
             f"load {res.environment.get('load average at start', '?')} at start, "
             f"{res.environment.get('load average at end', '?')} at the end; {res.repeat} trial(s) per size, "
             "each command once per trial, interleaved. Seconds: median (min–max).", "",
             "| command | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    from bench_harness import INNER_LOOP_KEYS
    for key, row_label in ROWS:
        if key in INNER_LOOP_KEYS:
            lines.append(f"| {row_label} | " + " | ".join(fmt_seconds(res.times.get((key, n))) for n in sizes) + " |")
    lines += ["", "Client CPU (user + system, median seconds):", "",
              "| command | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for key, row_label in ROWS:
        if key in INNER_LOOP_KEYS and any(res.cpu.get((key, n)) for n in sizes):
            lines.append(f"| {row_label} | " + " | ".join(
                f"{statistics.median(res.cpu[(key, n)]):.3f}" if res.cpu.get((key, n)) else "n/a"
                for n in sizes) + " |")
    lines += ["", "| start-up | median (min–max) |", "|---|---:|"]
    lines += [f"| {row_label} | {fmt_seconds(res.startup.get(key))} |" for key, row_label in STARTUP_ROWS]
    found: list[Ratio] = []

    def add(key, row_label, num, den, limit, detail=""):
        value = num / den if num is not None and den else None
        found.append(Ratio(key, row_label, value, f"≤ {limit:g}", None if value is None else value <= limit, detail))

    inner_loop_ratios(res, add)
    cpu = lambda key, size: statistics.median(res.cpu[(key, size)]) if res.cpu.get((key, size)) else None  # noqa: E731
    for size in res.sizes:  # the same ratios in client CPU: far less sensitive to other load on the machine
        add(f"up_noop_cpu_{size}", f"db.up with nothing to do vs the floor, client CPU (N={size})",
            cpu("up_noop", size), cpu("floor", size), 1.1)
        add(f"warm_cpu_{size}", f"warm db.reset vs the floor, client CPU (N={size})", cpu("reset_warm", size),
            cpu("floor", size), 1.25)
    a, b = res.startup.get("inv_list"), res.startup.get("bare_list")
    add("inv_list_startup", "inv --list vs a bare invoke tasks.py", statistics.median(a) if a else None,
        statistics.median(b) if b else None, 1.05)
    lines += ["", "| ratio | measured | target | verdict | notes |", "|---|---:|---|---|---|"]
    for r in found:
        value = "—" if r.value is None else f"{r.value:.2f}"
        lines.append(f"| {r.label} | {value} | {r.target} | {verdict(r)} | {r.detail} |")
    return "\n".join(lines) + "\n"


NOTES_MARKER = ("<!-- Written by hand below this line: scripts/bench.py rewrites everything above it and keeps "
                "what follows. -->")
NOTES_POINTER = ("Why each ratio is where it is, what its floor is and what changed to reach it: the notes at the end "
                 "of docs/benchmarks.md, written by hand for the full run they name (their numbers are that run's).")


# (label, numerator key, denominator keys summed) for the per-size ratio table.
PER_SIZE_RATIOS = [
    ("db.up / psql -1 -f (target ≤ 1.15)", "up", ("psql",)),
    ("db.up / supabase migration up (target ≤ 0.5)", "up", ("cli_up",)),
    ("psql -1 -f / supabase migration up (the floor of the line above)", "psql", ("cli_up",)),
    ("warm db.reset / supabase db reset (target ≤ 0.15)", "reset_warm", ("cli_reset",)),
    ("cold db.reset / (psql -1 -f + re-creation) (target ≤ 1.2)", "reset_cold", ("psql_seed", "recreate")),
    ("db.reset --no-cache / (psql -1 -f + re-creation) (target ≤ 1.2)", "reset_nocache", ("psql_seed", "recreate")),
]


def verdict(r: Ratio) -> str:
    if r.met is None:
        return "n/a"
    return "**met**" if r.met else "**missed**"


def markdown(res: Results, quick: bool) -> str:
    argv = res.argv
    env = res.environment
    sizes = res.sizes
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python scripts/bench.py{''.join(' ' + a for a in argv)}`"
        + (" — a **--quick smoke run**: too few sizes and repeats to judge the targets by." if quick else "."),
        "Everything ran in one run on one machine, against one embedded PostgreSQL server the script started "
        "itself. Each command is timed as a user runs it: a child process, wall clock, start-up included, onto a "
        "fresh database bootstrapped the same way for every tool (supatasks' Supabase bootstrap in a template "
        "database, copied per trial). The corpus (`scripts/bench_corpus.py`) has one table per migration with "
        "defaults and jsonb, three indexes, a plpgsql trigger function with a `$$` body, its trigger, RLS with "
        "three policies, grants and three inserts; every 10th adds an enum and a view, every 25th wraps itself "
        "in `BEGIN;`/`COMMIT;`. After every command the script checks its result (N tables, policies, triggers "
        "and views; N history rows; the seed row; N applied in `db.status --json`; the plan of `db.push`) and "
        "stops if anything is wrong. It asserts no timings. The server runs with "
        f"`max_locks_per_transaction={MAX_LOCKS}`: with PostgreSQL's default of 64, `supabase db reset --db-url` "
        "fails at N=1000 with `out of shared memory` (SQLSTATE 53200) — it drops every object in one "
        "transaction; supatasks' local reset drops the whole database instead and works with the default.",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in env.items()]
    lines += [f"| sizes (N) | {', '.join(map(str, sizes))} |", f"| repeats | {res.repeat} per size |", ""]

    lines += ["## Results", "",
              "Seconds: median (min–max) of the repeats, interleaved (each trial runs every command once). "
              "Other work on the machine widens the spreads; a ratio within about 10% of its target can land on "
              "either side of it from one run to the next.", "",
              "| command | " + " | ".join(f"N={n}" for n in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    for key, label in ROWS:
        if key in CLI_KEYS and res.cli_missing:
            cells = ["n/a (CLI not installed)"] * len(sizes)
        else:
            cells = [fmt_seconds(res.times.get((key, n))) for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Start-up (no database involved), seconds:", "", "| command | median (min–max) |", "|---|---:|"]
    lines += [f"| {label} | {fmt_seconds(res.startup.get(key))} |" for key, label in STARTUP_ROWS]

    lines += ["", "### Client CPU", "",
              "CPU seconds (user + system, median) of the command's own process tree — the work done outside the "
              "server. Less sensitive than wall time to other load on the machine; the server's share is the "
              "difference to the wall time (the round trips alternate between the two).", "",
              "| command | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for key, label in ROWS:
        if any(res.cpu.get((key, n)) for n in sizes):
            lines.append(f"| {label} | " + " | ".join(
                f"{statistics.median(res.cpu[(key, n)]):.3f}" if res.cpu.get((key, n)) else "n/a"
                for n in sizes) + " |")

    lines += ["", "## Queries sent", "",
              "Statements supatasks sends to the database (from the server's statement log, `log_statement=all` "
              "on the measured database only; every statement counts, BEGIN/COMMIT included).", "",
              "| command | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for key, label in (("status", "db.status (N applied)"), ("push_plan", "push planner (N applied)"),
                       ("push_plan_pending", "push planner (N pending)")):
        lines.append(f"| {label} | " + " | ".join(str(res.queries.get((key, n), "n/a")) for n in sizes) + " |")

    lines += ["", "## Peak memory", "", "Maximum resident set size of the `supatasks db.up` process (os.wait4), MiB.",
              "", "| command | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    lines.append("| supatasks db.up | " + " | ".join(
        f"{statistics.median(res.rss[('up', n)]) / 1024:.1f}" if res.rss.get(("up", n)) else "n/a"
        for n in sizes) + " |")

    table = ratios(res)
    lines += ["", "## Targets", "",
              f"Ratios of medians; db.up and reset ratios at N={ratio_size(sizes)}. Targets from issue #6.", "",
              "| ratio | measured | target | verdict | notes |", "|---|---:|---|---|---|"]
    for r in table:
        value = "—" if r.value is None else f"{r.value:.2f}"
        lines.append(f"| {r.label} | {value} | {r.target} | {verdict(r)} | {r.detail} |")
    lines += ["", "The same ratios at every size (the targets are stated at N=200):", "",
              "| ratio | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for label, num, den in PER_SIZE_RATIOS:
        cells = []
        for n in sizes:
            a_, b_ = res.median(num, n), sum(res.median(k, n) or 0 for k in den)
            cells.append(f"{a_ / b_:.2f}" if a_ and b_ and all(res.median(k, n) for k in den) else "n/a")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    missed = [r for r in table if r.met is False]
    lines += ["", "## What the floor is, and why", "",
              "Every target was met in this run." if not missed else
              f"Missed in this run: {', '.join(r.label for r in missed)}.", "", NOTES_POINTER, ""]
    return "\n".join(lines)


def text_table(res: Results) -> str:
    sizes = res.sizes
    width = max(len(label) for _, label in ROWS + STARTUP_ROWS)
    out = [f"{'command':<{width}}  " + "  ".join(f"{'N=' + str(n):>26}" for n in sizes)]
    for key, label in ROWS:
        out.append(f"{label:<{width}}  " + "  ".join(f"{fmt_seconds(res.times.get((key, n))):>26}" for n in sizes))
    for key, label in STARTUP_ROWS:
        out.append(f"{label:<{width}}  {fmt_seconds(res.startup.get(key)):>26}")
    for key in ("status", "push_plan", "push_plan_pending"):
        out.append(f"{'queries: ' + key:<{width}}  " + "  ".join(f"{str(res.queries.get((key, n), 'n/a')):>26}"
                                                                for n in sizes))
    out.append("")
    for r in ratios(res):
        value = "—" if r.value is None else f"{r.value:.2f}"
        out.append(f"{r.label}: {value} (target {r.target}) {verdict(r).strip('*')}"
                   + (f" — {r.detail}" if r.detail else ""))
    return "\n".join(out)


