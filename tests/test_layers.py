"""Imports only go down the layers, and each outside library stays in its module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "claimgraph"

LAYERS = {
    "namespaces": 0,
    "errors": 0,
    "config": 1,
    "model": 1,
    "sparqltext": 2,
    "store": 2,
    "validation": 2,
    "sheets": 2,
    "mapping": 2,
    "results": 2,
    "negotiation": 2,
    "consensus": 3,
    "changes": 3,
    "loader": 3,
    "queries": 3,
    "export": 3,
    "workers": 3,
    "answers": 3,
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
    # export dumps and web/writes serialises graphs with pyoxigraph's writers; the
    # guarded writes reach the store only through store (its dry run and upload parser).
    "pyoxigraph": ("store", "answers", "export", "web"),
}


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
