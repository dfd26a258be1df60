"""Imports go one way between the package's layers, as the README's "Where
the code lives" says: from the top of its list down, never back up. Read
from the source, so an import inside a function counts too."""

import ast
from pathlib import Path

from moderation.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "moderation"
# Top to bottom; each layer may import the layers below it. config.py is
# read by every layer and imports none.
LAYERS = ["web", "commands", "domain", "learning", "infrastructure", "config"]


def layer_of(module: str) -> str | None:
    """The layer of ``moderation.<layer>...``; None for the app factory."""
    parts = module.split(".")
    if parts[0] != "moderation" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in LAYERS else None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the package in ``path``."""
    package = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's own package up
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}".rstrip(".")
            # "from moderation import web" imports the layer named.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return sorted((line, name) for line, name in found if name.startswith("moderation."))


def upward_imports() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = layer_of(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))
        if source is None:
            continue
        for line, name in imported_modules(path):
            target = layer_of(name)
            if target is not None and LAYERS.index(target) < LAYERS.index(source):
                wrong.append(f"{path.relative_to(PROJECT_ROOT)}:{line} ({source}) imports {name}")
    return wrong


def test_no_layer_imports_a_layer_above_it():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check would catch one: a domain module importing a page's module."""
    fake = tmp_path / "moderation"
    (fake / "domain").mkdir(parents=True)
    (fake / "domain" / "sneaky.py").write_text(
        "def f():\n    from moderation.web import admin_pages\n"
        "from ..web.api import bp\nimport moderation.commands.job_commands\n"
    )
    monkeypatch.setitem(globals(), "PROJECT_ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    assert upward_imports() == [
        "moderation/domain/sneaky.py:2 (domain) imports moderation.web.admin_pages",
        "moderation/domain/sneaky.py:3 (domain) imports moderation.web.api.bp",
        "moderation/domain/sneaky.py:4 (domain) imports moderation.commands.job_commands",
    ]
