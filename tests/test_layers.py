"""The backend's shape, read from its source: layers only import downwards, no module imports itself round a
circle, no file grows past ~350 lines. Imports inside functions count: they are imports all the same."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backend" / "readnext"
MAX_LINES = 350
MAX_ENGINE_LINES = 250
# The first part of a module's name under readnext -> its layer; a module may import its own layer or lower ones.
LAYERS = [
    {"", "config", "errors", "process"},  # "": the package itself (its __version__)
    {"records"},
    {"store"},
    {"vectors"},
    {"ranking"},
    {"learned"},
    {"engine", "views", "recommender", "new_for_you", "forgetting", "validation", "check"},
    {"ingest"},
    {"server"},
    {"cli"},
    {"bench"},  # may import anything; only the CLI (which runs the benchmarks) imports it from below
]
LAYER = {part: number for number, parts in enumerate(LAYERS) for part in parts}
UPWARD_ALLOWED = {("cli", "bench")}


def module_name(path: Path) -> str:
    parts = ("readnext",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def imported(name: str) -> set[str]:
    """The modules of readnext that module `name` imports, anywhere in its text."""
    found = set()
    package = name if is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(MODULES[name].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            for alias in node.names:  # `from . import storage` imports the module storage, not the package
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imported(name) for name in MODULES}


def layer_part(name: str) -> str:
    return name.split(".")[1] if "." in name else ""


def test_every_module_has_a_layer():
    assert sorted(name for name in MODULES if layer_part(name) not in LAYER) == []


def test_no_module_imports_a_higher_layer():
    upward = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() for target in targets
                    if LAYER.get(layer_part(target), 0) > LAYER.get(layer_part(name), 0)
                    and (layer_part(name), layer_part(target)) not in UPWARD_ALLOWED)
    assert upward == []


def test_no_import_cycle():
    assert [" -> ".join(sorted(cycle)) for cycle in strongly_connected(GRAPH) if len(cycle) > 1] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_file_past_the_limit(name):
    lines = len(MODULES[name].read_text("utf-8").splitlines())
    limit = MAX_ENGINE_LINES if name == "readnext.engine" else MAX_LINES
    assert lines <= limit, f"{MODULES[name].relative_to(PACKAGE)} has {lines} lines; split it by job"


def test_the_layer_rules_see_imports():
    """The checks above would pass on a graph they failed to read: these imports are known to be there."""
    assert "readnext.store.storage" in GRAPH["readnext.store.history"]  # from . import storage
    assert "readnext.errors" in GRAPH["readnext.ingest.sources.arxiv_feed"]  # from ...errors import ...
    assert "readnext" in GRAPH["readnext.ingest.sources.arxiv_api"]  # from ... import __version__
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}, {"d"}]


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of a directed graph, iteratively (no recursion limit)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next((t for t in targets if t in graph), None)
            if target is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(sorted(graph[target]))))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    return components
