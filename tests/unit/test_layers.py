"""The package's layers: a module imports only from its own layer or the ones below it, and no
two modules import each other, directly or around a circle (function-level imports count)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sharedmodels"

#: Bottom to top. A top-level module is its own name; a subpackage's modules share its name.
LAYERS = (
    ("units", "errors"),
    ("encoding",),
    ("mirrors",),
    ("rpc",),
    ("registry",),
    ("trainers",),
    ("market", "bounty", "hub"),
    ("federated",),
    ("simulation",),
    ("runs",),
    ("cli", "codegen"),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every ``sharedmodels`` module ``path`` imports, at any depth of the file."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path.name}: relative import; write sharedmodels.… in full")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sharedmodels"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                out.add(sub if is_module else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("sharedmodels")}
    return out


def layer(module: str) -> int:
    return RANK[module.split(".")[1]]


GRAPH = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def test_every_module_has_a_layer():
    assert all(m.split(".")[1] in RANK for m in GRAPH if m != "sharedmodels")


def test_no_module_imports_from_a_layer_above_it():
    upward = [
        f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
        for m, deps in GRAPH.items()
        if m != "sharedmodels"
        for d in deps
        if d != "sharedmodels" and layer(d) > layer(m)
    ]
    assert upward == []


def test_no_import_cycles():
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(GRAPH.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError(" -> ".join(path[path.index(d) :] + [m, d]))
            if d not in state:
                visit(d, path + [m])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [])


#: The only modules that send transactions outside Ape (``rpc.fastpath``, the send stack), and
#: only where sending in bulk pays: contribute's pipelined batches, parity streams, the
#: simulations. Readers use ``rpc.reads``.
BULK_SENDERS = {
    "sharedmodels.trainers.actions",
    "sharedmodels.trainers.parity",
    "sharedmodels.simulation.agents",
    "sharedmodels.simulation.common",
    "sharedmodels.simulation.incentives",
    "sharedmodels.simulation.market",
}


def test_only_the_bulk_paths_import_the_send_stack():
    importers = {m for m, deps in GRAPH.items() if "sharedmodels.rpc.fastpath" in deps}
    assert importers == BULK_SENDERS


def test_the_send_stack_re_exports_no_read_helper():
    """``rpc.fastpath`` uses what it takes from ``rpc.reads``; readers import ``rpc.reads``."""
    from sharedmodels.rpc import fastpath

    assert set(fastpath.__all__) == {
        "NodeStalled",
        "Pipeline",
        "call_in_order",
        "can_pipeline",
        "mine_together",
    }
    text = (PACKAGE / "rpc" / "fastpath.py").read_text()
    assert "noqa: F401" not in text
    assert not hasattr(fastpath, "create_address") and not hasattr(fastpath, "revert_reason")


def test_the_read_client_sends_nothing():
    """``rpc.reads`` holds no key and sends no transaction; it needs nothing of ours but errors."""
    text = (PACKAGE / "rpc" / "reads.py").read_text()
    assert GRAPH["sharedmodels.rpc.reads"] == {"sharedmodels.errors"}
    assert "eth_sendRawTransaction" not in text and "coincurve" not in text
