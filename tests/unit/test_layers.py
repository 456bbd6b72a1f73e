"""The code imports downwards only.

Read from the source (every import statement, also those inside functions or under
``TYPE_CHECKING``): the parts of ``charter_engine`` — its packages and top-level modules — import
each other without a cycle, the domain never imports the delivery layers, and the JSON API and the
browser UI never import each other (they share :mod:`charter_engine.context`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "charter_engine"
DELIVERY = frozenset({"web", "api", "app", "context", "downloads", "cli"})


def _part(module: str) -> str | None:
    """The part of charter_engine a dotted module name belongs to (None outside it)."""
    names = module.split(".")
    return names[1] if names[0] == "charter_engine" and len(names) > 1 else None


def _is_part(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> Iterator[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            # ``from charter_engine import web`` imports the part it names.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Part → the other parts it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module_name(path))
        if source is None:
            continue
        targets = graph.setdefault(source, set())
        for name in _imported(path):
            target = _part(name)
            if target is not None and target != source and _is_part(target):
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def test_the_check_sees_a_cycle_and_a_clean_graph() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    # Known edges, so that a broken reader cannot pass the checks below by seeing nothing.
    assert {"charters", "comments"} <= graph["amendments"]
    assert "charters" in graph["comments"]
    assert {"context", "web"} <= graph["app"]


def test_the_parts_of_charter_engine_import_each_other_without_a_cycle() -> None:
    graph = import_graph()
    domain = {part: targets - DELIVERY for part, targets in graph.items() if part not in DELIVERY}
    assert find_cycle(domain) is None
    assert find_cycle(graph) is None


def test_the_domain_never_imports_the_delivery_layers() -> None:
    upward = {
        part: sorted(targets & DELIVERY)
        for part, targets in import_graph().items()
        if part not in DELIVERY and targets & DELIVERY
    }
    assert upward == {}


def test_the_api_and_the_browser_ui_do_not_import_each_other() -> None:
    graph = import_graph()
    assert "web" not in graph["api"]
    assert "api" not in graph["web"]
