"""Tenancy sits below the pages app: it never imports page code, so page
models and tenancy selectors no longer import each other in a circle.

The check reads the source (every import statement, also those inside
functions), because at run time Django has imported every app's models
before any test runs.
"""

import ast
from pathlib import Path

from django.conf import settings

FIRST_PARTY = ("cms", "pages", "portal", "snippets")


def module_files():
    base = Path(settings.BASE_DIR)
    found = {}
    for package in FIRST_PARTY:
        for path in (base / package).rglob("*.py"):
            relative = path.relative_to(base)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_modules(name, path, modules):
    """First-party modules that this module imports anywhere in its code."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        targets.update(c for c in candidates if c in modules and c != name)
    return targets


def import_graph():
    modules = module_files()
    return {
        name: imported_modules(name, path, modules) for name, path in modules.items()
    }


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    # pages.models imports its selectors inside get_context(): found too.
    assert "pages.selectors" in graph["pages.models"]
    assert "pages.models" in graph["pages.selectors"]


def test_tenancy_selectors_import_no_page_code():
    graph = import_graph()
    pages = sorted(reachable(graph, "portal.tenancy.selectors"))
    assert [m for m in pages if m == "pages" or m.startswith("pages.")] == []


def test_page_models_and_tenancy_are_not_in_one_import_circle():
    graph = import_graph()
    circle = {
        m
        for m in reachable(graph, "pages.models")
        if "pages.models" in reachable(graph, m)
    }
    assert [m for m in sorted(circle) if m.startswith("portal.tenancy")] == []
