"""The apps stand on each other in one direction (pyproject's import-linter contracts), and no two files import
each other, even through others: a newcomer can read any module knowing only the ones below it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crm", "touches", "cadence", "mailroom", "webhooks", "web", "workspace", "dashboard", "demo", "api")


def test_the_import_contracts_are_kept():
    linter = Path(sys.executable).with_name("lint-imports")

    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. every import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_two_files_import_each_other_even_through_others():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)

    assert _cycles(graph) == []


def test_the_ground_app_imports_no_app_above_it():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)

    for above in ("touches", "cadence", "web", "workspace", "dashboard", "demo", "api"):
        assert not graph.chain_exists(importer="crm", imported=above, as_packages=True), above
    for above in ("cadence", "web", "workspace", "dashboard", "demo", "api"):
        assert not graph.chain_exists(importer="touches", imported=above, as_packages=True), above


def test_only_the_one_write_path_for_touches_uses_the_touch_store():
    """A touch is written by cadence.services.touches and nothing else: the store below it is private to it."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)

    importers = graph.find_modules_that_directly_import("touches.services.store")

    assert importers == {"cadence.services.touches"}


def test_the_cycle_finder_finds_a_cycle_through_a_third_module():
    graph = grimp.ImportGraph()
    for importer, imported in (("a.one", "a.two"), ("a.two", "a.three"), ("a.three", "a.one"), ("a.three", "a.four")):
        graph.add_import(importer=importer, imported=imported)

    assert _cycles(graph) == [["a.one", "a.three", "a.two"]]


def test_the_tests_mirror_the_apps():
    """Each app's tests are in tests/<app>/ (the browser tests, pressed across pages, are in tests/browser/)."""
    missing = [package for package in PACKAGES if not (ROOT / "tests" / package).is_dir()]

    assert missing == []
