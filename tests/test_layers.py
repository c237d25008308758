"""The layers of ../shared/DESIGN.md, read from the import graph (every import statement, those under
`if TYPE_CHECKING:` and inside functions included; a script's `if __name__ == "__main__":` block left out).

Each rule names who may not import what; a failure lists every offending import with the rule it breaks.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_FOLDERS = {"tests", ".venv", "venv", ".git", "data", "__pycache__", "node_modules"}
FEATURES = ("cogs.link", "cogs.pay", "cogs.history", "cogs.balance", "cogs.notifications", "cogs.requests")
SHARED_COGS = ("cogs", "cogs.ui", "cogs.messages", "cogs.buttons", "cogs.guarded", "cogs.interaction_log",
               "cogs.in_flight")
TOOLS = ("harness", "sandbox", "demo", "bench")
SQL = re.compile(r"^\s*(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\b.+\bSET|DELETE\s+FROM|CREATE\s+TABLE)\b",
                 re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, e.g. "cogs.pay.cog"
    imported: str  # a project module ("storage") or an outside package's top name ("aiohttp")
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_files(root: Path = ROOT) -> dict[str, Path]:
    files = {}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if set(relative.parts) & SKIPPED_FOLDERS:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def imports_in(module: str, path: Path, project: set[str]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    tree.body = [node for node in tree.body
                 if not (isinstance(node, ast.If) and "__main__" in ast.unparse(node.test))]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            names = [f"{base}.{alias.name}" if base else alias.name for alias in node.names] + [base]
        else:
            continue
        targets = {_project_module(name, project) or name.partition(".")[0] for name in names}
        for target in sorted(targets):
            if target != module and not module.startswith(target + "."):
                yield Import(module, target, node.lineno)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    parts = parts[:len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _project_module(name: str, project: set[str]) -> str | None:
    while name:
        if name in project:
            return name
        name = name.rpartition(".")[0]
    return None


def project_imports(root: Path = ROOT) -> list[Import]:
    files = module_files(root)
    return [found for module, path in files.items() for found in imports_in(module, path, set(files))]


def within(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def top(module: str) -> str:
    return module.partition(".")[0]


def facades(root: Path = ROOT) -> set[str]:
    """Packages with one public face: their __init__ lists __all__, so others import from the package itself."""
    return {name for name, path in module_files(root).items()
            if path.name == "__init__.py" and "__all__" in path.read_text(encoding="utf-8")}


# (the rule, as a sentence; whether an import breaks it)
RULES = {
    "taubot/ imports nothing from the project":
        lambda i, project: within(i.importer, "taubot") and i.imported in project and not within(i.imported, "taubot"),
    "storage/ imports nothing from the project":
        lambda i, project: within(i.importer, "storage") and i.imported in project
        and not within(i.imported, "storage"),
    "taubot/ and storage/ import neither discord nor each other's libraries":
        lambda i, project: (within(i.importer, "taubot") and i.imported in ("discord", "aiosqlite", "cryptography"))
        or (within(i.importer, "storage") and i.imported in ("discord", "aiohttp", "yarl")),
    "cogs/ never import the tools (harness, sandbox, demo, bench) nor the command line":
        lambda i, project: within(i.importer, "cogs") and within(i.imported, *TOOLS, "cli", "check"),
    "cogs/ never speak HTTP or SQL themselves":
        lambda i, project: within(i.importer, "cogs") and i.imported in ("aiohttp", "yarl", "aiosqlite", "sqlite3"),
    "what the features share imports no feature and not the bot":
        lambda i, project: i.importer in SHARED_COGS and (within(i.imported, *FEATURES) or i.imported == "bot"),
    "a feature imports no other feature":
        lambda i, project: any(within(i.importer, feature) and within(i.imported, *(set(FEATURES) - {feature}))
                               for feature in FEATURES),
    "bot.py imports no feature, and not the command line or the tools":
        lambda i, project: i.importer == "bot" and within(i.imported, *FEATURES, "cli", "check", *TOOLS),
    "nothing but tests, cli, demo and bench imports the tools":
        lambda i, project: within(i.imported, *TOOLS) and top(i.importer) not in ("cli", "demo", "bench")
        and top(i.importer) != top(i.imported),
}


def broken(rule: str, found: list[Import], project: set[str]) -> list[str]:
    return [str(i) for i in found if RULES[rule](i, project)]


@pytest.fixture(scope="module")
def graph() -> tuple[list[Import], set[str]]:
    return project_imports(), set(module_files())


@pytest.mark.parametrize("rule", list(RULES))
def test_the_layers_hold(graph, rule):
    found, project = graph
    offenders = broken(rule, found, project)
    assert not offenders, f"{rule}, but:\n  " + "\n  ".join(offenders)


def test_no_module_reaches_into_another_packages_private_module(graph):
    found, _ = graph
    public_faces = facades()
    offenders = [str(i) for i in found if top(i.imported) in public_faces and i.imported != top(i.imported)
                 and top(i.importer) != top(i.imported)]
    assert not offenders, ("packages with an __all__ are used through that face only, but:\n  "
                           + "\n  ".join(offenders))


def test_no_import_cycles(graph):
    found, project = graph
    edges: dict[str, set[str]] = {module: set() for module in project}
    for i in found:
        if i.imported in project:
            edges[i.importer].add(i.imported)
    cycles = [cycle for cycle in strongly_connected(edges) if len(cycle) > 1]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(cycle)) for cycle in cycles)


def test_no_cog_writes_sql():
    offenders = []
    for module, path in module_files().items():
        if not within(module, "cogs"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                offenders.append(f"{module} (line {node.lineno}): {node.value[:60]!r}")
    assert not offenders, "SQL belongs in storage/, but:\n  " + "\n  ".join(offenders)


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            following = next(successors, None)
            if following is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
            elif following not in index:
                index[following] = low[following] = len(index)
                stack.append(following)
                on_stack.add(following)
                work.append((following, iter(sorted(edges[following]))))
            elif following in on_stack:
                low[node] = min(low[node], index[following])
    return groups


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The rules above on a tiny made-up project: a forbidden import and a cycle are both found."""
    (tmp_path / "taubot").mkdir()
    (tmp_path / "taubot" / "__init__.py").write_text("")
    (tmp_path / "taubot" / "client.py").write_text("from cogs.ui import reply\n")
    (tmp_path / "cogs").mkdir()
    (tmp_path / "cogs" / "__init__.py").write_text("")
    (tmp_path / "cogs" / "ui.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from taubot.client import x\n")
    found, project = project_imports(tmp_path), set(module_files(tmp_path))
    assert broken("taubot/ imports nothing from the project", found, project) == [
        "taubot.client (line 1) imports cogs.ui"]
    edges = {module: {i.imported for i in found if i.importer == module and i.imported in project}
             for module in project}
    assert sorted(map(sorted, (g for g in strongly_connected(edges) if len(g) > 1))) == [["cogs.ui", "taubot.client"]]
