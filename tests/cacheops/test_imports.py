"""Every cacheops module imports on its own, and no two of them import each other in a circle."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

import cacheops

PACKAGE = Path(cacheops.__file__).parent
MODULES = sorted(
    "cacheops." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts
)


def _imports(module: str) -> set[str]:
    """The cacheops modules `module` imports, at module level or inside functions."""
    path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
    if not path.exists():
        path = PACKAGE.joinpath(*module.split(".")[1:], "__init__.py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cacheops"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("cacheops"))
    return (found & set(MODULES)) - {module}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph` (module -> the modules it imports), each as a path back to its start."""
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        if module in visiting:
            cycles.append([*visiting[visiting.index(module):], module])
            return
        if module in done:
            return
        visiting.append(module)
        for imported in sorted(graph[module]):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)
    return cycles


def test_there_is_no_import_cycle():
    graph = {module: _imports(module) for module in MODULES}
    assert graph["cacheops.stats"] >= {"cacheops.backends", "cacheops.ticker"}  # the graph is read
    cycles = find_cycles(graph)
    assert not cycles, " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_a_circle_is_found():
    graph = {"backends": {"compressors"}, "compressors": {"metrics"}, "metrics": {"stats"}, "stats": {"backends"}}
    assert find_cycles(graph) == [["backends", "compressors", "metrics", "stats", "backends"]]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone(module):
    code = f"import django; django.setup(); import {module}"
    if module in {"cacheops.conf", "cacheops.exceptions", "cacheops.outcomes", "cacheops.ticker"}:
        code = f"import {module}"  # leaves: not even Django's app registry is needed
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                               "logdash.settings")}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
