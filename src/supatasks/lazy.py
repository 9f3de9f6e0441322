"""Re-exports for the subpackages' `__init__`, imported when first used.

`from supatasks.migrations import migrate_up` loads migrations/up.py and what it needs, not the whole
subpackage; and a module started as `python -m supatasks.reset.spares` is not imported twice."""

from __future__ import annotations

import importlib


def exports(package: str, modules: dict[str, list[str]]):
    """`__getattr__`, `__dir__` and `__all__` for `package`, from {submodule: [names it exports]}."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
