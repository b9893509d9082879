"""Submodules loaded on first use, so that ``papers.editing.edit(...)`` reads like an
import at the top while a command only pays for the modules it calls."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType


def submodules_on_first_use(package: str) -> Callable[[str], ModuleType]:
    """A package's ``__getattr__``: ``package.name`` imports ``package.name``; a name
    that is no submodule is an AttributeError as usual."""

    def load(name: str) -> ModuleType:
        if name.startswith("__") or importlib.util.find_spec(f"{package}.{name}") is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return importlib.import_module(f"{package}.{name}")

    return load
