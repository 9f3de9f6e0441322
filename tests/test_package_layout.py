"""The package keeps the shape the README's map describes: no private names across modules, imports one
way between subpackages, every re-export resolves, and the task namespace loads without the library."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

SRC = REPO / "src" / "supatasks"
SUBPACKAGES = ["sqltext", "server", "migrations", "reset", "recovery", "checks"]
# What each layer may import (besides the top level), lazily or not; see src/supatasks/__init__.py.
ALLOWED = {
    "sqltext": set(),
    "server": set(),
    "migrations": {"sqltext", "server", "checks"},  # checks: the lint gate before a push (lazy)
    "recovery": {"migrations", "server", "sqltext", "checks"},  # checks: data at risk, rehearsal, verify (lazy)
    "reset": {"recovery", "migrations", "server", "sqltext"},
    "checks": {"reset", "migrations", "server", "sqltext"},
}
LOCAL_TEST_MODULES = {"conftest", "support", "bench_harness", "bench_report", "bench_corpus", "bench"}


def python_files():
    for folder in ("src", "tests", "scripts"):
        yield from sorted((REPO / folder).rglob("*.py"))


def module_of(path: Path) -> str:
    parts = path.relative_to(REPO / "src").with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    """(absolute module, imported names) of every `from … import …` of supatasks or of the test helpers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_of(path).split(".") if path.is_relative_to(REPO / "src") else []
    if package and path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] in {"supatasks", *LOCAL_TEST_MODULES}:
                yield module, [a.name for a in node.names]


def test_no_module_imports_another_modules_private_names():
    found = [f"{path.relative_to(REPO)}: from {module} import {name}"
             for path in python_files() for module, names in imports(path)
             for name in names if name.startswith("_") and not name.startswith("__")]
    assert not found, "\n".join(found)


def test_no_private_attribute_of_an_imported_module_is_used():
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   and (node.level or (node.module or "").startswith("supatasks")) for alias in node.names}
        modules |= {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names if alias.name.startswith("supatasks")}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in modules:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_imports_between_subpackages_run_one_way(subpackage):
    wrong = []
    for path in sorted((SRC / subpackage).rglob("*.py")):
        for module, names in imports(path):
            targets = [f"{module}.{n}" for n in names] if module == "supatasks" else [module]
            for target in targets:
                other = target.split(".")[1] if target.count(".") else None
                if other in SUBPACKAGES and other != subpackage and other not in ALLOWED[subpackage]:
                    wrong.append(f"{path.relative_to(REPO)}: {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_every_re_export_resolves(subpackage):
    package = importlib.import_module(f"supatasks.{subpackage}")
    assert package.__doc__ and package.__all__
    for name in package.__all__:
        assert getattr(package, name) is not None, name


def test_the_task_namespace_loads_without_the_library():
    code = ("import sys, supatasks.tasks as t; heavy = {'psycopg', 'rich', 'pglast', 'supatasks.migrations'} "
            "& set(sys.modules); assert not heavy, heavy; print(len(t.namespace.collections['db'].tasks))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 29  # every db.* task, registered by name in tasks/__init__.py


def test_the_files_shipped_with_the_package_are_found_from_the_subpackages():
    from supatasks.server import bootstrap, pg_installations

    assert (bootstrap.SQL_DIR / "bootstrap.sql").is_file()
    assert any(pg_installations.STAND_IN_DIR.glob("*.control"))
