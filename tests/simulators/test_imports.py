"""A simulator is a partner: nothing under ``simulators/`` imports the reference server."""

from __future__ import annotations

import ast
from pathlib import Path

import simulators

FORBIDDEN = "reference_server"


def forbidden_imports(source: str) -> list[str]:
    """The modules of ``reference_server`` a Python source imports, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n == FORBIDDEN or n.startswith(FORBIDDEN + ".")]
    return found


def test_the_scan_sees_every_form_of_import() -> None:
    source = (
        "import reference_server\n"
        "import os, reference_server.app as a\n"
        "from reference_server.storage import tables\n"
        "def f():\n    from reference_server import auth\n"
        "if True:\n    import reference_servers_cousin\n"
    )
    assert forbidden_imports(source) == [
        "reference_server",
        "reference_server.app",
        "reference_server.storage",
        "reference_server",
    ]


def test_no_simulator_imports_the_reference_server() -> None:
    root = Path(simulators.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 20  # the scan really walked the package
    offenders = {
        str(path.relative_to(root.parent)): found
        for path in files
        if (found := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
