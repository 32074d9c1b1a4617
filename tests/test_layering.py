"""The engine stays pure: simulator/ imports no Flask, SQLAlchemy, torch, web or models."""
import ast
from pathlib import Path

import pytest

FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "torch", "transformers", "web", "models"}
SIM = Path(__file__).resolve().parent.parent / "simulator"


@pytest.mark.parametrize("path", sorted(SIM.rglob("*.py")), ids=lambda p: str(p.relative_to(SIM)))
def test_simulator_module_imports_nothing_heavy(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    assert not names & FORBIDDEN, f"{path} imports {names & FORBIDDEN}"
