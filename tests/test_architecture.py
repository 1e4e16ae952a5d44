"""The house rules the build checks, beside the import contracts ``lint-imports`` keeps
(``[tool.importlinter]`` in pyproject.toml): no import cycle between the modules of curator/,
no module in curator/ over 450 lines, and SQLAlchemy imported only inside curator/store/.
ARCHITECTURE.md draws the map these rules keep.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

from tests.conftest import REPO

CURATOR = REPO / "curator"
MAX_LINES = 450

#: Modules of ``curator.classify`` another stream of work is splitting right now (the import
#: cycles between them, the two modules over the size limit, the queries that move into the
#: store). Exempt from the rules below until that work merges; then this set is emptied and
#: every rule holds for them too. Nothing outside ``curator.classify`` may be listed here.
BEING_SPLIT: frozenset[str] = frozenset()


def _modules() -> dict[str, Path]:
    """Every module of curator/ (migrations' version scripts included) by dotted name."""
    found: dict[str, Path] = {}
    for path in sorted(CURATOR.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, sorted(graph.find_modules_directly_imported_by(root))))
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.find_modules_directly_imported_by(nxt))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_exemptions_name_only_classify_modules() -> None:
    assert all(m == "curator.classify" or m.startswith("curator.classify.") for m in BEING_SPLIT)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_no_import_cycle_between_modules_of_curator() -> None:
    # TYPE_CHECKING imports count too: a cycle only for the type checker is still a cycle a
    # reader has to follow.
    graph = grimp.build_graph("curator", cache_dir=None)
    cycles = [c for c in _cycles(graph) if not set(c) <= BEING_SPLIT]
    assert cycles == [], f"import cycles between modules of curator/: {cycles}"


def test_no_module_in_curator_over_450_lines() -> None:
    too_long = {
        name: n
        for name, path in _modules().items()
        if name not in BEING_SPLIT
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"modules over {MAX_LINES} lines (split them by job): {too_long}"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_sqlalchemy_is_imported_only_inside_curator_store() -> None:
    outside = sorted(
        name
        for name, path in _modules().items()
        if not (name == "curator.store" or name.startswith("curator.store."))
        and name not in BEING_SPLIT
        and "sqlalchemy" in _imported_roots(path)
    )
    assert outside == [], f"SQLAlchemy imported outside curator/store/: {outside}"


def test_the_import_checks_see_sqlalchemy_in_the_store() -> None:
    # the two tests above would pass on an empty tree: make sure they read the real one
    modules = _modules()
    assert "sqlalchemy" in _imported_roots(modules["curator.store.sql"])
    assert len(modules) > 100
