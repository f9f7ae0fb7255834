"""The shape of the package: a public API, small modules, imports that run one way."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cjm_research"
# Lower layers never import higher ones (ingest → coding → analysis → report → run / cli); the
# shared vocabulary (model, exceptions, iorw, resources) is below them all.
LAYERS = (
    ("model", "exceptions", "iorw", "resources"),
    ("ingest", "codebook", "study", "segments"),
    ("coding",),
    (
        "analysis",
        "compare",
        "compare_words",
        "insights",
        "tables",
        "agreement",
        "evaluate",
        "audit",
        "privacy",
        "exchange",
    ),
    ("report",),
    ("run", "cli"),
)


def _modules():
    return [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def test_the_public_api_is_listed_documented_and_cheap_to_import():
    import cjm_research

    assert set(cjm_research.__all__) >= {
        "load_study", "code_study", "run_reports", "evaluate", "CJMInputError",
        "register_reader", "register_coder",
    }  # fmt: skip
    for name in cjm_research.__all__:
        if name != "__version__":
            assert getattr(cjm_research, name).__doc__, name
    imported = subprocess.run(
        [sys.executable, "-c", "import cjm_research, sys; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "'pandas'" not in imported and "'numpy'" not in imported


def test_modules_are_small_documented_and_few_at_the_top():
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, f"{path.relative_to(PACKAGE)} is over 600 lines"
        assert ast.get_docstring(ast.parse(text)), f"{path.relative_to(PACKAGE)} has no docstring"
        assert "RESEARCH.md" not in text and "DESIGN.md" not in text, path
    assert len(list(PACKAGE.glob("*.py"))) <= 16


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "cjm_research" or len(parts) < 2:
        return None
    for level, names in enumerate(LAYERS):
        if parts[1] in names:
            return level
    return None


def test_imports_run_one_way():
    wrong = []
    for path in _modules():
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        here = _layer(".".join(relative.parts).removesuffix(".__init__"))
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            levels = [lv for lv in map(_layer, targets) if lv is not None]
            if levels and max(levels) > here:
                wrong.append(f"{relative}: {targets[0]}")
    assert not wrong, wrong
