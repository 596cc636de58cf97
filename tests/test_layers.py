"""The layering holds: no import cycle between the packages (and top-level modules) of `harness/`.

Read from the source with `ast`, so imports inside functions count too (a lazy import still ties two layers
together); imports under `if TYPE_CHECKING:` do not (they never run). Strongly connected components come from
scipy's graph routines: any component of more than one part is a cycle, printed with the imports that make it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "harness"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str | None:
    """The layer a module belongs to: `harness.data.split` → `harness.data`; `harness.spec` → itself."""
    bits = module.split(".")
    if bits[0] != "harness" or len(bits) < 2:
        return None
    return ".".join(bits[:2])


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every runtime import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            out.append((base, node.lineno))
            out += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]  # `from harness import x`
    return out


def _layer_graph() -> dict[str, dict[str, list[str]]]:
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    modules = {_module_name(p) for p in HARNESS.rglob("*.py")}
    for path in sorted(HARNESS.rglob("*.py")):
        source = _part(_module_name(path))
        for imported, line in _imports(path):
            if imported not in modules and imported.rpartition(".")[0] not in modules:
                continue
            target = _part(imported)
            if source and target and target != source:
                edges[source][target].append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return edges


def _cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    names = sorted({*edges, *(t for targets in edges.values() for t in targets)})
    index = {n: i for i, n in enumerate(names)}
    rows = [index[s] for s, targets in edges.items() for t in targets]
    cols = [index[t] for targets in edges.values() for t in targets]
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(names), len(names)))
    _n, labels = connected_components(graph, directed=True, connection="strong")
    groups: dict[int, list[str]] = defaultdict(list)
    for name, label in zip(names, labels, strict=True):
        groups[int(label)].append(name)
    return [group for group in groups.values() if len(group) > 1]


def test_no_import_cycle_between_the_packages_of_harness() -> None:
    edges = _layer_graph()
    cycles = _cycles(edges)
    detail = [
        f"{a} → {b}: {where}"
        for group in cycles
        for a in group
        for b in group
        if b in edges.get(a, {})
        for where in edges[a][b][:3]
    ]
    assert not cycles, "import cycles between packages of harness/:\n" + "\n".join(detail)


def test_the_cycle_check_finds_a_planted_cycle() -> None:
    """The check itself can fail: a cycle planted in a hand-built graph is found, a chain is not."""
    chain = {"harness.a": {"harness.b": ["x"]}, "harness.b": {"harness.c": ["y"]}}
    assert _cycles(chain) == []
    planted = {**chain, "harness.c": {"harness.a": ["z"]}}
    assert [sorted(g) for g in _cycles(planted)] == [["harness.a", "harness.b", "harness.c"]]


def test_imports_under_type_checking_and_relative_imports_are_read_right(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from harness.errors import InputError\n"
        "if TYPE_CHECKING:\n"
        "    from harness.spec import DecisionSpec\n"
        "def f():\n"
        "    from harness.data import load\n"
    )
    path = HARNESS / "_layers_probe.py"
    try:
        path.write_text(source, encoding="utf-8")
        found = {name for name, _line in _imports(path)}
    finally:
        path.unlink()
    assert "harness.errors" in found and "harness.data" in found
    assert "harness.spec" not in found


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _long_functions(path: Path) -> list[str]:
    """Functions over the limit without a `# long: <reason>` comment on the line above them (or above their
    first decorator)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        size = (node.end_lineno or node.lineno) - node.lineno + 1
        top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        above = lines[top - 2].strip() if top >= 2 else ""
        if size > MAX_FUNCTION_LINES and not above.startswith("# long:"):
            out.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size} lines)")
    return out


def _long_module(path: Path) -> str | None:
    """A module over the limit without a `# long module: <reason>` line near its top."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) <= MAX_MODULE_LINES or any(line.startswith("# long module:") for line in lines[:40]):
        return None
    return f"{path.relative_to(ROOT)} ({len(lines)} lines)"


def test_modules_and_functions_stay_small_or_say_why() -> None:
    paths = sorted(HARNESS.rglob("*.py"))
    modules = [m for p in paths if (m := _long_module(p))]
    functions = [f for p in paths for f in _long_functions(p)]
    assert not modules and not functions, (
        f"over {MAX_MODULE_LINES} lines: {modules}; over {MAX_FUNCTION_LINES} lines: {functions} — split "
        "them, or give the reason: a '# long module: …' line near the top, a '# long: …' line above the def"
    )


def test_the_size_check_reads_the_reason_comments(tmp_path: Path) -> None:
    body = "\n".join(f"    x = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    probe = HARNESS / "_size_probe.py"
    try:
        probe.write_text(f"def f():\n{body}\n\n\n# long: one table\ndef g():\n{body}\n", encoding="utf-8")
        found = _long_functions(probe)
    finally:
        probe.unlink()
    assert len(found) == 1 and " f (" in found[0]
