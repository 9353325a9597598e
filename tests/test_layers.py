"""Imports only go down the layers, and each outside library stays in its module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "claimgraph"

LAYERS = {
    "namespaces": 0,
    "errors": 0,
    "labels": 0,
    "config": 1,
    "model": 1,
    "countkinds": 1,
    "formats": 1,
    "termcheck": 1,
    "nesting": 1,
    "iris": 1,
    "sparqltext": 2,
    "rdf": 2,
    "processes": 2,
    "store": 2,
    "validation": 2,
    "sparqlshapes": 2,
    "sheets": 2,
    "mapping": 2,
    "vocabulary": 2,
    "counting": 2,
    "negotiation": 2,
    "mentions": 2,
    "pages": 2,
    "consensus": 3,
    "upkeep": 3,
    "changes": 3,
    "curators": 3,
    "history": 3,
    "audit": 3,
    "serverclient": 3,
    "uploads": 3,
    "loader": 3,
    "queries": 3,
    "export": 3,
    "search": 3,
    "integrity": 3,
    "describe": 3,
    "corpora": 3,
    "facts": 3,
    "ranges": 3,
    "reader": 3,
    "workers": 3,
    "workerloop": 3,
    "answers": 3,
    "documents": 3,
    "draft": 3,
    "annotation": 3,
    "suggestions": 3,
    "app": 4,
    "api": 4,
    "cli": 5,
    "__main__": 5,
    "web": 5,
}

#: Outside library → the only modules that may import it.
CONFINED = {
    "flask": ("web",),
    "werkzeug": ("web",),
    "waitress": ("web",),
    "click": ("cli",),
    "pyshacl": ("validation",),
    # The engine stays in the store layer and its RDF helpers (export's dumps are to move behind
    # store.dump too); sparqlshapes stages a batch in an in-memory store of its own to validate it.
    "pyoxigraph": ("store", "rdf", "export", "sparqlshapes"),
    # The HTTP client of the store on a SPARQL server (store/http.py).
    "urllib3": ("store",),
    # The drafting assistant's text libraries: sentences, number words and dates are read in
    # mentions, registry labels matched in draft.
    "sentencex": ("mentions",),
    "text_to_num": ("mentions",),
    "dateparser": ("mentions",),
    "rapidfuzz": ("draft",),
}


#: What the edges may import: the application object, and the bottom of the stack.
EDGE_IMPORTS = {"api", "config", "errors", "formats"}

#: The pool of workers is given the function it runs: it imports nothing of the query path.
QUERY_PATH = {"answers", "sparqltext", "negotiation", "formats", "queries"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0] if parts[0] != "__init__" else "__init__"


def imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > depth:  # relative import reaching the package root
                    name = node.module or ""
                    found.append(("claimgraph." + name if name else "claimgraph", node.lineno))
                    if not name:
                        found += [("claimgraph." + a.name, node.lineno) for a in node.names]
                else:
                    base = ".".join(path.relative_to(PACKAGE).parts[: depth - node.level + 1])
                    found.append((f"claimgraph.{base}.{node.module or ''}".rstrip("."), node.lineno))
                    if not node.module:  # from . import sparql: the submodule (or a name of the package)
                        found += [(f"claimgraph.{base}.{a.name}", node.lineno) for a in node.names]
            else:
                found.append((node.module or "", node.lineno))
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path):
    here = layer_name(path)
    if here == "__init__":
        return
    mine = LAYERS.get(here)
    assert mine is not None, f"{here} has no layer in LAYERS; add it"
    for name, line in imports(path):
        top = name.split(".")[0]
        if top in CONFINED:
            assert here in CONFINED[top], f"{path.name}:{line} imports {top}, allowed only in {CONFINED[top]}"
        if top == "claimgraph" and "." in name:
            target = name.split(".")[1]
            if target == here or target not in LAYERS:
                continue
            assert LAYERS[target] <= mine, (
                f"{path.name}:{line} imports {target} (layer {LAYERS[target]}) from layer {mine}"
            )
            if LAYERS[target] == mine == 5:
                # The one crossing between edges: `claimgraph serve` starts the web edge.
                allowed = {("cli", "web"), ("__main__", "cli")}
                assert (here, target) in allowed, f"{path.name}:{line}: edges do not import each other"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_config_reads_the_environment(path: Path):
    if path.name == "config.py":
        return
    text = path.read_text(encoding="utf-8")
    assert "os.environ" not in text and "getenv" not in text, f"{path.name} reads the environment"


def module_name(path: Path) -> str:
    return ".".join(("claimgraph", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def import_graph() -> dict[str, set[str]]:
    """Module → the claimgraph modules it imports (at the top or inside a function)."""
    names = {module_name(p) for p in modules()}
    graph: dict[str, set[str]] = {}
    for path in modules():
        here = module_name(path)
        targets = set()
        for name, _ in imports(path):
            # "from claimgraph.web import errors" is recorded as claimgraph.web.errors when that is a module.
            while name and name not in names:
                name = name.rpartition(".")[0]
            if name and name != here:
                targets.add(name)
        graph[here] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a list of nodes (first repeated last), or None when it is acyclic.

    >>> find_cycle({"a": {"b"}, "b": {"a"}})
    ['a', 'b', 'a']
    >>> find_cycle({"a": {"b"}, "b": set()}) is None
    True
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_sees_a_cycle_within_a_layer():
    assert find_cycle(
        {"claimgraph.answers": {"claimgraph.workers"}, "claimgraph.workers": {"claimgraph.answers"}}
    )


def test_no_import_cycle_anywhere():
    """Within a layer too: answers importing workers and workers importing answers is a cycle."""
    graph = import_graph()
    # A package's __init__ imports its modules; a module importing its package's __init__ is not a cycle
    # unless the __init__ imports it back, which the graph shows.
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_edges_import_only_the_application_object_and_the_bottom():
    for here, targets in import_graph().items():
        top = here.split(".")[1] if "." in here else here
        if top not in ("cli", "web"):
            continue
        for target in targets:
            layer = ([*target.split("."), "__init__"])[1]
            if layer in ("cli", "web", "__init__", "__main__"):
                continue
            assert layer in EDGE_IMPORTS, (
                f"{here} imports {target}; the edges import only {sorted(EDGE_IMPORTS)}"
            )


def test_the_pool_of_workers_imports_nothing_of_the_query_path():
    for pool in ("claimgraph.workers", "claimgraph.workerloop"):
        imported = {([*t.split("."), "__init__"])[1] for t in import_graph()[pool]}
        assert not imported & QUERY_PATH, (pool, imported & QUERY_PATH)


#: The only modules that call a store's write methods: the store implementations themselves,
#: and the one write path. Everything else writes through :mod:`claimgraph.changes`.
#: (sparqlshapes fills a throw-away in-memory store of its own, the staged batch it validates.)
STORE_WRITERS = {"store", "changes", "sparqlshapes"}
WRITE_METHODS = {"apply", "update", "extend", "bulk_extend", "load", "bulk_load", "clear", "remove"}


def store_writes(path: Path) -> list[tuple[str, int]]:
    """Calls like ``store.apply(…)`` / ``self._store.update(…)``: a write method on something named a store."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            if node.func.attr in WRITE_METHODS and "store" in receiver.lower().rsplit(".", 1)[-1]:
                found.append((f"{receiver}.{node.func.attr}", node.lineno))
    return found


def test_store_writes_scan_sees_a_write():
    sample = PACKAGE.parent.parent / "tests" / "data" / "_writes_sample.py"
    sample.write_text("def f(store, target_store):\n    store.apply(add=[])\n    target_store.update('x')\n")
    try:
        assert [name for name, _ in store_writes(sample)] == ["store.apply", "target_store.update"]
    finally:
        sample.unlink()


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_write_path_writes_to_the_store(path: Path):
    if layer_name(path) in STORE_WRITERS:
        return
    assert not store_writes(path), f"{path.name} writes to the store directly: {store_writes(path)}"


#: What only the store layer knows: which store it is.
WHICH_STORE = {"OxigraphStore", "RemoteStore", "RemoteOptions", "is_remote"}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_above_the_store_layer_asks_which_store_it_has(path: Path):
    if layer_name(path) in ("store", "rdf"):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    named |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not named & WHICH_STORE, f"{path.name} names {sorted(named & WHICH_STORE)}"


def test_no_store_offers_an_update_beside_the_write_path():
    from claimgraph.store import OxigraphStore, RemoteStore, Store

    for kind in (Store, OxigraphStore, RemoteStore):
        assert not hasattr(kind, "update"), kind
